package gbt24589

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// DescriptionFile is the description file of the standard's text package.
const DescriptionFile = "数据接口说明.txt"

// ReadmeFile is the README of the CSV 数据包.
const ReadmeFile = "README.txt"

// TextFile is the file name of table t in the standard's text package.
func TextFile(t Table) string { return t.Name + ".txt" }

// CSVFile is the file name of table t in the CSV 数据包.
func CSVFile(t Table) string { return t.Name + ".csv" }

// WriteText writes the tables into dir as the standard's text files:
// UTF-8, one record per line (LF), the first line the element names,
// fields separated by a tab; and the description file listing the book,
// the files, their elements and record counts. It returns the files
// written.
func WriteText(dir string, tables []Table) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, t := range tables {
		name := TextFile(t)
		err := writeFile(filepath.Join(dir, name), func(w io.Writer) error {
			bw := bufio.NewWriter(w)
			writeTabbed(bw, names(t))
			for _, r := range t.Rows {
				writeTabbed(bw, r)
			}
			return bw.Flush()
		})
		if err != nil {
			return nil, err
		}
		files = append(files, name)
	}
	err := writeFile(filepath.Join(dir, DescriptionFile), func(w io.Writer) error {
		return describe(w, tables, TextFile, "文本文件：UTF-8 编码，每行一条记录（换行符 LF），首行为数据元素名称，字段之间以制表符（Tab）分隔；金额以元为单位、保留两位小数。")
	})
	if err != nil {
		return nil, err
	}
	return append(files, DescriptionFile), nil
}

// WriteCSV writes the tables into dir as the plain 数据包: one CSV file per
// table (UTF-8 with a byte-order mark so spreadsheet programs read the
// Chinese, RFC 4180 quoting, the first line the column names) and
// README.txt describing each table and column. It returns the files
// written.
func WriteCSV(dir string, tables []Table) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, t := range tables {
		name := CSVFile(t)
		err := writeFile(filepath.Join(dir, name), func(w io.Writer) error {
			if _, err := io.WriteString(w, "\ufeff"); err != nil {
				return err
			}
			cw := csv.NewWriter(w)
			if err := cw.Write(names(t)); err != nil {
				return err
			}
			if err := cw.WriteAll(t.Rows); err != nil {
				return err
			}
			return cw.Error()
		})
		if err != nil {
			return nil, err
		}
		files = append(files, name)
	}
	err := writeFile(filepath.Join(dir, ReadmeFile), func(w io.Writer) error {
		return describe(w, tables, CSVFile, "CSV 文件：UTF-8 编码（带 BOM），逗号分隔，按 RFC 4180 加引号，首行为列名；金额以元为单位、保留两位小数。")
	})
	if err != nil {
		return nil, err
	}
	return append(files, ReadmeFile), nil
}

// Describe writes the Chinese description of the tables: the format, and
// for each table its file, its rows and every column.
func Describe(w io.Writer, tables []Table) error {
	return describe(w, tables, func(t Table) string { return t.Name }, "")
}

func describe(w io.Writer, tables []Table, file func(Table) string, format string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "党费专户会计数据包（参照 %s 财经信息技术 会计核算软件数据接口 第2部分：行政事业单位）\n\n", Standard)
	if len(tables) > 0 && tables[0].Name == TableBook && len(tables[0].Rows) == 1 {
		r := tables[0].Rows[0]
		for i, c := range tables[0].Columns {
			fmt.Fprintf(&b, "%s：%s\n", c.Name, r[i])
		}
		b.WriteString("\n")
	}
	if format != "" {
		b.WriteString(format + "\n\n")
	}
	for _, t := range tables {
		fmt.Fprintf(&b, "%s（%s，%d 条记录）\n  %s\n", t.Name, file(t), len(t.Rows), t.Desc)
		for i, c := range t.Columns {
			fmt.Fprintf(&b, "  %2d. %s：%s\n", i+1, c.Name, c.Desc)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func names(t Table) []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

func writeTabbed(w *bufio.Writer, fields []string) {
	for i, f := range fields {
		if i > 0 {
			w.WriteByte('\t')
		}
		w.WriteString(clean(f))
	}
	w.WriteByte('\n')
}

// writeFile writes path through a temporary file renamed into place.
func writeFile(path string, write func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
