package activitypub

import (
	"crypto/sha256"
	"encoding/base32"
	"strconv"
	"strings"
	"time"

	"github.com/blogbridge/blogbridge/content"
	"github.com/blogbridge/blogbridge/store"
)

// candidate is a page a snapshot federates, with the type it is served as.
type candidate struct {
	page       *content.Page
	objectType string
}

// ledgerState is the ledger as a snapshot leaves it.
type ledgerState struct {
	// live holds the record of each federated page, by the page.
	live map[*content.Page]store.Object
	// deleted holds every record of a post that is gone, by id.
	deleted map[string]store.Object
	// changed are the records to write.
	changed []store.Object
}

// reconcile compares the ledger's records with the pages a snapshot
// federates and returns the ledger as it must be now. It is pure: now is
// the time it records, broken the files whose pages are missing from the
// snapshot because they failed to build.
//
// A page keeps the record of its source file and language, so its id
// survives changes of title, slug, date and permalink configuration. A page
// whose file moved keeps the record of its permalink. Any other page gets a
// new record. A record whose page is gone is marked deleted, unless the
// page is only missing because its file is broken: a writer's typo must not
// delete a post. A post that comes back after being deleted gets a new id,
// since servers that saw the Delete refuse to see that id again.
func reconcile(records []store.Object, cands []candidate, broken map[string]bool, now time.Time) ledgerState {
	st := ledgerState{
		live:    make(map[*content.Page]store.Object, len(cands)),
		deleted: make(map[string]store.Object),
	}
	usedIDs := make(map[string]bool, len(records))
	generations := make(map[string]int) // records per key, deleted ones included
	liveByKey := make(map[string]int, len(records))
	liveByURL := make(map[string]int, len(records))
	for i, r := range records {
		usedIDs[r.ID] = true
		k := ledgerKey(r.Lang, r.File)
		generations[k]++
		if r.Deleted() {
			st.deleted[r.ID] = r
			continue
		}
		if _, dup := liveByKey[k]; !dup {
			liveByKey[k] = i
		}
		liveByURL[r.Permalink] = i
	}

	claimed := make([]bool, len(records))
	match := make([]int, len(cands))
	for i, c := range cands {
		match[i] = -1
		if j, ok := liveByKey[ledgerKey(c.page.Lang, c.page.File)]; ok {
			match[i], claimed[j] = j, true
		}
	}
	present := make(map[string]bool, len(cands))
	for _, c := range cands {
		present[ledgerKey(c.page.Lang, c.page.File)] = true
	}
	for i, c := range cands {
		if match[i] >= 0 {
			continue
		}
		j, ok := liveByURL[c.page.Permalink]
		if ok && !claimed[j] && !present[ledgerKey(records[j].Lang, records[j].File)] {
			match[i], claimed[j] = j, true
		}
	}

	for i, c := range cands {
		p := c.page
		if match[i] < 0 {
			k := ledgerKey(p.Lang, p.File)
			id := objectID(k, generations[k])
			for gen := generations[k] + 1; usedIDs[id]; gen++ {
				id = objectID(k, gen)
			}
			usedIDs[id] = true
			generations[k]++
			r := store.Object{
				ID: id, File: p.File, Lang: p.Lang, Type: c.objectType,
				Permalink: p.Permalink, FirstPermalink: p.Permalink,
				ContentHash: p.Hash, Published: now,
			}
			st.live[p] = r
			st.changed = append(st.changed, r)
			continue
		}
		r := records[match[i]]
		before := r
		if r.ContentHash != p.Hash {
			r.ContentHash, r.Updated = p.Hash, now
		}
		r.File, r.Lang, r.Type, r.Permalink = p.File, p.Lang, c.objectType, p.Permalink
		st.live[p] = r
		if r != before {
			st.changed = append(st.changed, r)
		}
	}

	for i, r := range records {
		if claimed[i] || r.Deleted() || broken[r.File] {
			continue
		}
		r.DeletedAt = now
		st.deleted[r.ID] = r
		st.changed = append(st.changed, r)
	}
	return st
}

// ledgerKey identifies a post across snapshots: its language and source
// file.
func ledgerKey(lang, file string) string { return lang + "\x00" + file }

// objectID derives the id of the generation-th record of key (from 0): a
// digest of the key, so a ledger that was lost gives unmoved posts the ids
// they had, with "-2", "-3"... for a post deleted and published again.
func objectID(key string, generation int) string {
	sum := sha256.Sum256([]byte(key))
	id := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:10]))
	if generation > 0 {
		id += "-" + strconv.Itoa(generation+1)
	}
	return id
}
