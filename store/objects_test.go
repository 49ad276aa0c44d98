package store

import (
	"errors"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestObjectsRoundTrip(t *testing.T) {
	ctx := t.Context()
	s, dir := openTemp(t)
	if objs, err := s.Objects(ctx); err != nil || len(objs) != 0 {
		t.Fatalf("new store: %v, %v", objs, err)
	}
	t0 := time.Date(2025, 5, 18, 19, 40, 0, 0, time.UTC)
	in := []Object{
		{ID: "b", File: "content/posts/b.md", Lang: "en", Type: "Article", Permalink: "https://x/b/", FirstPermalink: "https://x/b/", ContentHash: "h1", Published: t0},
		{ID: "a", File: "content/posts/a.md", Lang: "es", Type: "Note", Permalink: "https://x/a2/", FirstPermalink: "https://x/a/", ContentHash: "h2", Published: t0, Updated: t0.Add(time.Hour), DeletedAt: t0.Add(2 * time.Hour)},
	}
	if err := s.PutObjects(ctx, in); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Objects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []Object{in[1], in[0]}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Objects() =\n%+v\nwant\n%+v", got, want)
	}
	if got[0].Deleted() == false || got[1].Deleted() {
		t.Error("Deleted() does not follow DeletedAt")
	}

	changed := got[1]
	changed.ContentHash = "h3"
	if err := s.PutObjects(ctx, []Object{changed}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Objects(ctx)
	if len(got) != 2 || got[1].ContentHash != "h3" {
		t.Errorf("after replacing b: %+v", got)
	}
}

func TestPutObjectsRejectsMissingID(t *testing.T) {
	s, _ := openTemp(t)
	err := s.PutObjects(t.Context(), []Object{{ID: "ok"}, {File: "x.md"}})
	if err == nil {
		t.Fatal("a record without id was accepted")
	}
	if got, _ := s.Objects(t.Context()); len(got) != 0 {
		t.Errorf("a failed write left %d records", len(got))
	}
}

func TestFollowerCount(t *testing.T) {
	s, _ := openTemp(t)
	if n, err := s.FollowerCount(t.Context()); err != nil || n != 0 {
		t.Fatalf("FollowerCount on a new store = %d, %v", n, err)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketFollowers)
		if err != nil {
			return err
		}
		for _, id := range []string{"https://a.example/users/1", "https://b.example/users/2", "https://c.example/users/3"} {
			if err := b.Put([]byte(id), []byte("{}")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.FollowerCount(t.Context()); err != nil || n != 3 {
		t.Errorf("FollowerCount = %d, %v, want 3", n, err)
	}
}

func TestMarkForAnnounce(t *testing.T) {
	ctx := t.Context()
	s, _ := openTemp(t)
	t0 := time.Date(2025, 5, 18, 19, 40, 0, 0, time.UTC)
	objs := []Object{
		{ID: "old", Permalink: "https://x/posts/old/", Published: t0, Sent: SentArchived},
		{ID: "new", Permalink: "https://x/posts/new/", Published: t0, Sent: SentCreate, SentAt: t0},
		{ID: "gone", Permalink: "https://x/posts/gone/", Published: t0, Sent: SentArchived, DeletedAt: t0},
	}
	if err := s.PutObjects(ctx, objs); err != nil {
		t.Fatal(err)
	}
	if o, err := s.MarkForAnnounce(ctx, "/posts/old/"); err != nil || o.ID != "old" {
		t.Fatalf("MarkForAnnounce(old) = %+v, %v", o, err)
	}
	for _, path := range []string{"/posts/old/", "/posts/new/", "/posts/gone/", "/posts/none/"} {
		if _, err := s.MarkForAnnounce(ctx, path); !errors.Is(err, ErrNotArchived) {
			t.Errorf("MarkForAnnounce(%s): %v, want ErrNotArchived", path, err)
		}
	}
	got, err := s.Objects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sent := map[string]string{}
	for _, o := range got {
		sent[o.ID] = o.Sent
	}
	if want := map[string]string{"old": "", "new": SentCreate, "gone": SentArchived}; !reflect.DeepEqual(sent, want) {
		t.Errorf("sent = %v, want %v", sent, want)
	}
}
