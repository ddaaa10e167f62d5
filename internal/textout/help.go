package textout

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/ledger/i18n"
)

// usageTemplateZh is cobra's usage template with its headings in Chinese.
const usageTemplateZh = `用法：{{if and .Runnable (not .HasAvailableSubCommands)}}
  {{.UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [命令]{{end}}{{if gt (len .Aliases) 0}}

别名：
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

示例：
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

可用命令：{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

选项：
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

全局选项：
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableSubCommands}}

用 "{{.CommandPath}} [命令] --help" 查看某个命令的说明。{{end}}
`

// LocalizeHelp makes the help of root and its commands render in the
// language lang names when help is asked for: the English Short, Long and
// flag usage texts are the catalogue's keys.
func LocalizeHelp(root *cobra.Command, lang func(*cobra.Command) i18n.Lang) {
	help := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		l := lang(c)
		c.InitDefaultHelpFlag()
		Localize(root, l)
		if l != i18n.En {
			root.SetUsageTemplate(usageTemplateZh)
		}
		help(c, args)
	})
}

// Localize translates the help texts of root and every command below it.
func Localize(root *cobra.Command, lang i18n.Lang) {
	if lang == i18n.En {
		return
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Short = i18n.Text(lang, c.Short)
		c.Long = i18n.Text(lang, c.Long)
		for _, fs := range []*pflag.FlagSet{c.LocalNonPersistentFlags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if name, ok := strings.CutPrefix(f.Usage, "help for "); ok {
					f.Usage = i18n.T(lang, "help for %s", name)
					return
				}
				f.Usage = i18n.Text(lang, f.Usage)
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// RefuseUnknown makes every command that only groups subcommands refuse
// an argument that names none of them (ledger voucher print) as a usage
// error, where cobra would print the help and succeed.
func RefuseUnknown(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.HasSubCommands() && c.Run == nil && c.RunE == nil {
			c.Args = cobra.ArbitraryArgs
			c.RunE = func(cmd *cobra.Command, args []string) error {
				if len(args) == 0 {
					return cmd.Help()
				}
				return exit.Usagef("unknown command %q for %q", args[0], cmd.CommandPath())
			}
		}
		RefuseUnknown(c)
	}
}
