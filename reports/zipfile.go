package reports

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"

	"github.com/xuri/excelize/v2"
)

// save writes the workbook f to w. excelize's Write builds the whole
// archive in memory before it writes a byte, as large as the file: a
// million-voucher audit workbook held 400 MB of zip, and the buffer's
// growth twice that, at its very end. When w is a file, the archive goes
// straight into it instead; any other writer (an HTTP response) gets
// excelize's Write.
func save(f *excelize.File, w io.Writer) error {
	out, ok := w.(*os.File)
	if !ok {
		return f.Write(w)
	}
	start, err := out.Seek(0, io.SeekCurrent)
	if err != nil { // a pipe
		return f.Write(w)
	}
	z := newFileZip(out)
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return z })
	// Write hands excelize's empty buffer to the writer above, which
	// ignores it: the buffer stays empty and Write copies nothing to w.
	if err := f.Write(io.Discard); err != nil {
		return err
	}
	if z.err != nil {
		return z.err
	}
	return z.markZip64(out, start)
}

// fileZip is the excelize.ZipWriter of save: archive/zip into a buffered
// file, counting each part's bytes.
type fileZip struct {
	bw    *bufio.Writer
	zw    *zip.Writer
	parts []*zipPart
	err   error // Close's
}

func newFileZip(w io.Writer) *fileZip {
	z := &fileZip{bw: bufio.NewWriterSize(w, 1<<20)}
	z.zw = zip.NewWriter(z.bw)
	return z
}

type zipPart struct {
	name string
	n    int64
	w    io.Writer
}

func (p *zipPart) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.n += int64(n)
	return n, err
}

func (z *fileZip) Create(name string) (io.Writer, error) {
	w, err := z.zw.Create(name)
	if err != nil {
		return nil, err
	}
	p := &zipPart{name: name, w: w}
	z.parts = append(z.parts, p)
	return p, nil
}

func (z *fileZip) AddFS(fsys fs.FS) error { return z.zw.AddFS(fsys) }

func (z *fileZip) Close() error {
	if err := z.zw.Close(); err != nil {
		z.err = err
		return err
	}
	z.err = z.bw.Flush()
	return z.err
}

// markZip64 does what excelize does to its buffer: Excel refuses a part
// of more than 4 GB whose local header says ZIP version 2.0 (archive/zip
// writes 4.5 in the central directory only), so each such header is
// rewritten to say 4.5 (45), found through the central directory.
func (z *fileZip) markZip64(out *os.File, start int64) error {
	big := map[string]bool{}
	for _, p := range z.parts {
		if p.n > math.MaxUint32 {
			big[p.name] = true
		}
	}
	if len(big) == 0 {
		return nil
	}
	end, err := out.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	r, err := zip.NewReader(io.NewSectionReader(out, start, end-start), end-start)
	if err != nil {
		return err
	}
	for _, zf := range r.File {
		if !big[zf.Name] {
			continue
		}
		data, err := zf.DataOffset()
		if err != nil {
			return err
		}
		// archive/zip writes no extra field in a local header.
		at := start + data - 30 - int64(len(zf.Name))
		head := make([]byte, 30+len(zf.Name))
		if _, err := out.ReadAt(head, at); err != nil {
			return err
		}
		if !bytes.Equal(head[:4], []byte{0x50, 0x4b, 0x03, 0x04}) || string(head[30:]) != zf.Name {
			return fmt.Errorf("workbook part %s: local header not found at %d", zf.Name, at)
		}
		if _, err := out.WriteAt([]byte{45, 0}, at+4); err != nil {
			return err
		}
	}
	return nil
}
