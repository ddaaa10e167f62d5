package reports

import (
	"github.com/xuri/excelize/v2"
)

// Number formats of the workbook (R-50, domain §3.8).
const (
	fmtMoney    = "#,##0.00;[Red]-#,##0.00"
	fmtDate     = "yyyy-mm-dd"
	fmtDateTime = "yyyy-mm-dd hh:mm:ss"
	fmtInt      = "#,##0"
	fmtPct      = "0.00%"
	fmtQty      = "#,##0.##"
	fmtPrice    = "#,##0.00##" // a unit price: 2 decimals, up to 4 when it has them
	fmtText     = "@"
)

// indentMax is the deepest indentation of tree rows (T5, 科目余额表).
const indentMax = 8

const fontName = "宋体"

// styles holds the style IDs of the workbook. Text cells use the text
// number format "@" so that a cell a user later edits stays text.
type styles struct {
	title, info, infoWrap, unit, head   int
	text, wrap, code, center            int
	money, date, dateTime, integer, pct int
	qty, link, price                    int
	totalLabel, totalMoney, totalInt    int
	totalPct                            int
	section, key                        int
	indent                              [indentMax + 1]int
	totalIndent                         [indentMax + 1]int
}

func newStyles(f *excelize.File) (styles, error) {
	var s styles
	border := []excelize.Border{
		{Type: "left", Color: "808080", Style: 1},
		{Type: "right", Color: "808080", Style: 1},
		{Type: "top", Color: "808080", Style: 1},
		{Type: "bottom", Color: "808080", Style: 1},
	}
	body := &excelize.Font{Family: fontName, Size: 10}
	bold := &excelize.Font{Family: fontName, Size: 10, Bold: true}
	totalFill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}
	custom := func(code string) *string { return &code }
	vcenter := &excelize.Alignment{Vertical: "center"}

	defs := []struct {
		id *int
		st excelize.Style
	}{
		{&s.title, excelize.Style{Font: &excelize.Font{Family: fontName, Size: 16, Bold: true},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}}},
		{&s.info, excelize.Style{Font: body, Alignment: vcenter, CustomNumFmt: custom(fmtText)}},
		{&s.infoWrap, excelize.Style{Font: body, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}, CustomNumFmt: custom(fmtText)}},
		{&s.unit, excelize.Style{Font: body, Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "center"}, CustomNumFmt: custom(fmtText)}},
		{&s.head, excelize.Style{Font: bold, Border: border,
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&s.text, excelize.Style{Font: body, Border: border, Alignment: vcenter, CustomNumFmt: custom(fmtText)}},
		{&s.wrap, excelize.Style{Font: body, Border: border, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}, CustomNumFmt: custom(fmtText)}},
		{&s.code, excelize.Style{Font: body, Border: border, Alignment: vcenter, CustomNumFmt: custom(fmtText)}},
		{&s.center, excelize.Style{Font: body, Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}, CustomNumFmt: custom(fmtText)}},
		{&s.money, excelize.Style{Font: body, Border: border, Alignment: vcenter, CustomNumFmt: custom(fmtMoney)}},
		{&s.date, excelize.Style{Font: body, Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}, CustomNumFmt: custom(fmtDate)}},
		{&s.dateTime, excelize.Style{Font: body, Border: border, Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center"}, CustomNumFmt: custom(fmtDateTime)}},
		{&s.integer, excelize.Style{Font: body, Border: border, Alignment: vcenter, CustomNumFmt: custom(fmtInt)}},
		{&s.pct, excelize.Style{Font: body, Border: border, Alignment: vcenter, CustomNumFmt: custom(fmtPct)}},
		{&s.qty, excelize.Style{Font: body, Border: border, Alignment: vcenter, CustomNumFmt: custom(fmtQty)}},
		{&s.link, excelize.Style{Font: &excelize.Font{Family: fontName, Size: 10, Color: "0563C1", Underline: "single"},
			Border: border, Alignment: vcenter, CustomNumFmt: custom(fmtText)}},
		{&s.totalLabel, excelize.Style{Font: bold, Border: border, Fill: totalFill, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}, CustomNumFmt: custom(fmtText)}},
		{&s.totalMoney, excelize.Style{Font: bold, Border: border, Fill: totalFill, Alignment: vcenter, CustomNumFmt: custom(fmtMoney)}},
		{&s.totalInt, excelize.Style{Font: bold, Border: border, Fill: totalFill, Alignment: vcenter, CustomNumFmt: custom(fmtInt)}},
		{&s.totalPct, excelize.Style{Font: bold, Border: border, Fill: totalFill, Alignment: vcenter, CustomNumFmt: custom(fmtPct)}},
		{&s.section, excelize.Style{Font: &excelize.Font{Family: fontName, Size: 11, Bold: true}, Alignment: vcenter, CustomNumFmt: custom(fmtText)}},
		{&s.key, excelize.Style{Font: bold, Border: border, Fill: totalFill, Alignment: vcenter, CustomNumFmt: custom(fmtText)}},
	}
	for i := 0; i <= indentMax; i++ {
		defs = append(defs,
			struct {
				id *int
				st excelize.Style
			}{&s.indent[i], excelize.Style{Font: body, Border: border, CustomNumFmt: custom(fmtText),
				Alignment: &excelize.Alignment{Vertical: "center", Indent: 2 * i}}},
			struct {
				id *int
				st excelize.Style
			}{&s.totalIndent[i], excelize.Style{Font: bold, Border: border, Fill: totalFill, CustomNumFmt: custom(fmtText),
				Alignment: &excelize.Alignment{Vertical: "center", Indent: 2 * i}}})
	}
	// Styles added later come last, so the earlier ones keep their ids.
	defs = append(defs, struct {
		id *int
		st excelize.Style
	}{&s.price, excelize.Style{Font: body, Border: border, Alignment: vcenter, CustomNumFmt: custom(fmtPrice)}})
	for _, d := range defs {
		id, err := f.NewStyle(&d.st)
		if err != nil {
			return s, err
		}
		*d.id = id
	}
	return s, nil
}

// newFile is a new workbook whose default font (the Normal style) is
// 宋体 (at excelize's 11 pt), as Chinese Excel and WPS make them. Spreadsheet
// programs measure column widths in the default font's digit width, so a
// workbook left on Calibri prints its columns at whatever width the
// substitute for Calibri has (DejaVu Sans on a Linux without it, a third
// wider); with 宋体 the width unit is the one the print plan assumes.
func newFile() (*excelize.File, error) {
	f := excelize.NewFile()
	if err := f.SetDefaultFont(fontName); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}
