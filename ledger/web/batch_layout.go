package web

// LayoutName is the Chinese description of the bank statement layout
// code as the configuration describes it; the code when it has none.
func (d batchData) LayoutName(code string) string {
	for _, l := range d.Layouts {
		if l.Name == code {
			return l.Description
		}
	}
	return code
}
