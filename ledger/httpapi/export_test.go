package httpapi

// SetWorkbookFault makes the streamed workbooks of s fail as f says.
func (s *Server) SetWorkbookFault(f func(sent int64) error) { s.workbookFault = f }

// SetFreeSpace makes /readyz of s read the free disk space from f.
func (s *Server) SetFreeSpace(f func(dir string) (uint64, bool, error)) { s.freeSpace = f }
