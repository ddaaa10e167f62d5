package web

// sourceNames are the Chinese names of the channels an act came through
// (the action log's source).
var sourceNames = map[string]string{"cli": "命令行", "http": "网页/接口", "import": "导入"}

// Source is the Chinese name of the channel src; an unknown one as is.
func (v *viewer) Source(src string) string {
	if n, ok := sourceNames[src]; ok {
		return n
	}
	return src
}
