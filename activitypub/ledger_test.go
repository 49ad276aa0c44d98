package activitypub

import (
	"testing"
	"time"

	"github.com/blogbridge/blogbridge/content"
	"github.com/blogbridge/blogbridge/store"
)

func TestReconcile(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)
	page := func(file, permalink, hash string) *content.Page {
		return &content.Page{Kind: content.KindPage, Lang: "en", File: file, Permalink: permalink, Hash: hash}
	}
	rec := func(file, permalink, hash string) store.Object {
		return store.Object{ID: objectID(ledgerKey("en", file), 0), File: file, Lang: "en", Type: TypeArticle,
			Permalink: permalink, FirstPermalink: permalink, ContentHash: hash, Published: t0}
	}
	a := rec("content/posts/a.md", "https://x/a/", "h1")

	tests := []struct {
		name    string
		records []store.Object
		pages   []*content.Page
		broken  map[string]bool
		// wantID is the id the first page must get; wantChanged how many
		// records are written; wantDeleted the ids deleted afterwards.
		wantID      string
		wantChanged int
		wantDeleted []string
		check       func(t *testing.T, st ledgerState)
	}{
		{
			name:        "new post",
			pages:       []*content.Page{page("content/posts/a.md", "https://x/a/", "h1")},
			wantID:      a.ID,
			wantChanged: 1,
			check: func(t *testing.T, st ledgerState) {
				r := st.changed[0]
				if !r.Published.Equal(t1) || r.FirstPermalink != "https://x/a/" || r.ContentHash != "h1" {
					t.Errorf("new record %+v", r)
				}
			},
		},
		{
			name:    "unchanged",
			records: []store.Object{a},
			pages:   []*content.Page{page("content/posts/a.md", "https://x/a/", "h1")},
			wantID:  a.ID,
		},
		{
			name:        "new slug keeps the id",
			records:     []store.Object{a},
			pages:       []*content.Page{page("content/posts/a.md", "https://x/renamed/", "h2")},
			wantID:      a.ID,
			wantChanged: 1,
			check: func(t *testing.T, st ledgerState) {
				r := st.changed[0]
				if r.Permalink != "https://x/renamed/" || r.FirstPermalink != "https://x/a/" || !r.Updated.Equal(t1) {
					t.Errorf("record after the edit %+v", r)
				}
			},
		},
		{
			name:        "moved file keeps the id by permalink",
			records:     []store.Object{a},
			pages:       []*content.Page{page("content/posts/2025/a.md", "https://x/a/", "h1")},
			wantID:      a.ID,
			wantChanged: 1,
		},
		{
			name:        "moved file with a new permalink is a new post",
			records:     []store.Object{a},
			pages:       []*content.Page{page("content/posts/2025/b.md", "https://x/b/", "h1")},
			wantID:      objectID(ledgerKey("en", "content/posts/2025/b.md"), 0),
			wantChanged: 2,
			wantDeleted: []string{a.ID},
		},
		{
			name:        "removed post is deleted",
			records:     []store.Object{a},
			wantChanged: 1,
			wantDeleted: []string{a.ID},
			check: func(t *testing.T, st ledgerState) {
				if !st.deleted[a.ID].DeletedAt.Equal(t1) {
					t.Errorf("deleted at %v", st.deleted[a.ID].DeletedAt)
				}
			},
		},
		{
			name:    "broken file is not deleted",
			records: []store.Object{a},
			broken:  map[string]bool{"content/posts/a.md": true},
		},
		{
			name:        "published again gets a new id",
			records:     []store.Object{func() store.Object { d := a; d.DeletedAt = t0; return d }()},
			pages:       []*content.Page{page("content/posts/a.md", "https://x/a/", "h1")},
			wantID:      objectID(ledgerKey("en", "content/posts/a.md"), 1),
			wantChanged: 1,
			wantDeleted: []string{a.ID},
		},
		{
			name: "same file in two languages",
			pages: []*content.Page{
				page("content/posts/a.md", "https://x/a/", "h1"),
				{Kind: content.KindPage, Lang: "es", File: "content/posts/a.md", Permalink: "https://x/es/a/", Hash: "h3"},
			},
			wantID:      a.ID,
			wantChanged: 2,
			check: func(t *testing.T, st ledgerState) {
				if st.changed[0].ID == st.changed[1].ID {
					t.Error("two languages share an id")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cands := make([]candidate, len(tt.pages))
			for i, p := range tt.pages {
				cands[i] = candidate{page: p, objectType: TypeArticle}
			}
			st := reconcile(tt.records, cands, tt.broken, t1)
			if len(tt.pages) > 0 {
				if got := st.live[tt.pages[0]].ID; got != tt.wantID {
					t.Errorf("id %q, want %q", got, tt.wantID)
				}
			}
			if len(st.changed) != tt.wantChanged {
				t.Errorf("%d records changed, want %d: %+v", len(st.changed), tt.wantChanged, st.changed)
			}
			if len(st.deleted) != len(tt.wantDeleted) {
				t.Errorf("deleted %v, want %v", st.deleted, tt.wantDeleted)
			}
			for _, id := range tt.wantDeleted {
				if _, ok := st.deleted[id]; !ok {
					t.Errorf("%s not deleted", id)
				}
			}
			if tt.check != nil {
				tt.check(t, st)
			}
		})
	}
}

// TestLedgerPersists checks that the ids given by one handler are those a
// new handler on the same store serves, and that the ledger records posts.
func TestLedgerPersists(t *testing.T) {
	f := newFixture(t, Config{})
	id := f.objectPath("/posts/stream-days/")
	recs, err := f.store.Objects(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("%d ledger records, want 4", len(recs))
	}
	h2, err := NewHandler(t.Context(), Options{Store: f.store, Snapshot: f.snap.Load, Now: func() time.Time { return f.now.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := h2.current(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if e := idx.byPath["/posts/stream-days/"]; e == nil || e.post.id.Path != id {
		t.Errorf("a second handler serves the post at another id")
	}
	after, _ := f.store.Objects(t.Context())
	for i := range after {
		if after[i] != recs[i] {
			t.Errorf("an unchanged site rewrote record %+v as %+v", recs[i], after[i])
		}
	}
}
