package store

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

func (s *Store) setVersion(v int) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, uint64(v)))
	})
}
