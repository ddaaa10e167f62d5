//go:build linux || darwin || freebsd

package httpapi

import "syscall"

// diskFree is the space on dir's file system available to this process.
func diskFree(dir string) (uint64, bool, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, false, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), true, nil
}
