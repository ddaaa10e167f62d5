package reports

import (
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger/gbt24589"
)

// SheetReadme is the first sheet of the XLSX 数据包: what each table and
// column holds.
const SheetReadme = "说明"

// WriteDataPackage writes the tables of the audit data package as one
// workbook: the sheet 说明 describing every table and column in Chinese,
// then one sheet per table, the first row the column names; amounts are
// numbers with two decimals.
func WriteDataPackage(w io.Writer, tables []gbt24589.Table) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetReadme); err != nil {
		return err
	}
	var desc bytes.Buffer
	if err := gbt24589.Describe(&desc, tables); err != nil {
		return err
	}
	for i, line := range strings.Split(strings.TrimRight(desc.String(), "\n"), "\n") {
		if err := f.SetCellStr(SheetReadme, "A"+strconv.Itoa(i+1), line); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(SheetReadme, "A", "A", 100); err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	money, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	if err != nil {
		return err
	}
	for _, t := range tables {
		if _, err := f.NewSheet(t.Name); err != nil {
			return err
		}
		amount := make([]bool, len(t.Columns))
		for i, c := range t.Columns {
			name, _ := excelize.ColumnNumberToName(i + 1)
			if err := f.SetCellStr(t.Name, name+"1", c.Name); err != nil {
				return err
			}
			amount[i] = isAmount(c.Name)
			width := float64(len([]rune(c.Name))*2 + 4)
			if err := f.SetColWidth(t.Name, name, name, width); err != nil {
				return err
			}
		}
		last, _ := excelize.ColumnNumberToName(len(t.Columns))
		if err := f.SetCellStyle(t.Name, "A1", last+"1", head); err != nil {
			return err
		}
		for r, row := range t.Rows {
			for i, v := range row {
				cell, _ := excelize.CoordinatesToCellName(i+1, r+2)
				if amount[i] {
					if x, err := strconv.ParseFloat(v, 64); err == nil {
						if err := f.SetCellFloat(t.Name, cell, x, 2, 64); err != nil {
							return err
						}
						if err := f.SetCellStyle(t.Name, cell, cell, money); err != nil {
							return err
						}
						continue
					}
				}
				if err := f.SetCellStr(t.Name, cell, v); err != nil {
					return err
				}
			}
		}
		if err := f.SetPanes(t.Name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
	}
	return save(f, w)
}

// isAmount reports whether a column holds money: 借方金额, 期初余额,
// 借方发生额 …, not a direction.
func isAmount(name string) bool {
	return !strings.Contains(name, "方向") &&
		(strings.HasSuffix(name, "金额") || strings.HasSuffix(name, "余额") || strings.HasSuffix(name, "发生额"))
}
