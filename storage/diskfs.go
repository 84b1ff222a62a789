package storage

import (
	"github.com/cockroachdb/pebble/v2/vfs"
)

// guardedFS is the file system Pebble writes through: a file write or
// create that fails because the disk is full or failing is held and
// retried by the guard (diskGuard.retry) instead of reaching Pebble, which
// would end the process. Everything else, syncs included, passes through.
type guardedFS struct {
	vfs.FS
	guard *diskGuard
}

// Unwrap returns the file system underneath.
func (fs guardedFS) Unwrap() vfs.FS { return fs.FS }

func (fs guardedFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	var f vfs.File
	err := fs.guard.retry(func() (err error) {
		f, err = fs.FS.Create(name, category)
		return err
	})
	if err != nil {
		return nil, err
	}
	return guardedFile{File: f, guard: fs.guard}, nil
}

func (fs guardedFS) OpenReadWrite(name string, category vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := fs.FS.OpenReadWrite(name, category, opts...)
	if err != nil {
		return nil, err
	}
	return guardedFile{File: f, guard: fs.guard}, nil
}

// ReuseForWrite is not retried: it renames before it opens, so a failed
// call may have done half its work.
func (fs guardedFS) ReuseForWrite(oldname, newname string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.ReuseForWrite(oldname, newname, category)
	if err != nil {
		return nil, err
	}
	return guardedFile{File: f, guard: fs.guard}, nil
}

// guardedFile holds and retries a file's failed writes.
type guardedFile struct {
	vfs.File
	guard *diskGuard
}

// Write writes p, retrying the part a failed attempt did not write.
func (f guardedFile) Write(p []byte) (int, error) {
	written := 0
	err := f.guard.retry(func() error {
		n, err := f.File.Write(p[written:])
		written += n
		return err
	})
	return written, err
}

// WriteAt writes p at off, retrying the part a failed attempt did not write.
func (f guardedFile) WriteAt(p []byte, off int64) (int, error) {
	written := 0
	err := f.guard.retry(func() error {
		n, err := f.File.WriteAt(p[written:], off+int64(written))
		written += n
		return err
	})
	return written, err
}
