// Package store owns blogbridge's one bbolt file in the data folder: its
// schema version and migrations, and every bucket other packages keep state
// in. Nothing else opens the file.
package store
