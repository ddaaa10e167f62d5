package httpapi

// SetWorkbookFault makes the streamed workbooks of s fail as f says.
func (s *Server) SetWorkbookFault(f func(sent int64) error) { s.workbookFault = f }
