package store

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

const (
	ixPost1  = "https://blog.example/ap/posts/1"
	ixPost10 = "https://blog.example/ap/posts/10"
	ixAnn    = "https://a.example/users/ixAnn"
	ixBob    = "https://b.example/users/ixBob"
)

var ixTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

var (
	annLike   = Interaction{ID: "https://a.example/likes/1", Type: InteractionLike, Actor: ixAnn, Object: ixPost1, Published: ixTime}
	bobBoost  = Interaction{ID: "https://b.example/boosts/1", Type: InteractionAnnounce, Actor: ixBob, Object: ixPost1, Published: ixTime.Add(time.Minute)}
	bobReply  = Interaction{ID: "https://b.example/notes/1", Type: InteractionReply, Actor: ixBob, Object: ixPost1, URL: "https://b.example/@ixBob/1", Content: "<p>Nice</p>", Published: ixTime.Add(2 * time.Minute)}
	annReply  = Interaction{ID: "https://a.example/notes/9", Type: InteractionReply, Actor: ixAnn, Object: ixPost10, Content: "<p>On 10</p>", Published: ixTime}
	bobEdited = Interaction{ID: bobReply.ID, Type: InteractionReply, Actor: ixBob, Object: ixPost1, URL: bobReply.URL, Content: "<p>Nice!</p>", Published: bobReply.Published, Updated: ixTime.Add(time.Hour)}
)

// interactionIDs returns the ids of ins.
func interactionIDs(ins []Interaction) []string {
	ids := []string{}
	for _, in := range ins {
		ids = append(ids, in.ID)
	}
	return ids
}

type ixCounts struct{ likes, announces, replies int }

func TestInteractions(t *testing.T) {
	moved := bobReply
	moved.Object = ixPost10
	stolen := bobReply
	stolen.Actor, stolen.Content = ixAnn, "<p>not ixBob's words</p>"
	early := annLike
	early.ID, early.Published = "https://a.example/likes/0", ixTime.Add(-time.Hour)
	tests := []struct {
		name    string
		put     []Interaction
		wantErr error // of the last put
		want    map[string][]Interaction
		counts  map[string]ixCounts
	}{
		{name: "none", want: map[string][]Interaction{ixPost1: nil}, counts: map[string]ixCounts{ixPost1: {}}},
		{
			name: "one of each, by post, oldest first",
			put:  []Interaction{bobReply, annReply, bobBoost, annLike},
			want: map[string][]Interaction{ixPost1: {annLike, bobBoost, bobReply}, ixPost10: {annReply}},
			counts: map[string]ixCounts{ixPost1: {1, 1, 1}, ixPost10: {0, 0, 1},
				"https://blog.example/ap/posts/": {}},
		},
		{
			name: "same time ordered by id",
			put:  []Interaction{annLike, {ID: "https://a.example/likes/0", Type: InteractionLike, Actor: ixBob, Object: ixPost1, Published: ixTime}},
			want: map[string][]Interaction{ixPost1: {{ID: "https://a.example/likes/0", Type: InteractionLike, Actor: ixBob, Object: ixPost1, Published: ixTime}, annLike}},
		},
		{
			name: "earlier interaction listed first",
			put:  []Interaction{annLike, early},
			want: map[string][]Interaction{ixPost1: {early, annLike}},
		},
		{
			name:   "edited reply replaces the reply",
			put:    []Interaction{bobReply, annLike, bobEdited},
			want:   map[string][]Interaction{ixPost1: {annLike, bobEdited}},
			counts: map[string]ixCounts{ixPost1: {1, 0, 1}},
		},
		{
			name:   "reply moved to another post",
			put:    []Interaction{bobReply, moved},
			want:   map[string][]Interaction{ixPost1: nil, ixPost10: {moved}},
			counts: map[string]ixCounts{ixPost1: {}, ixPost10: {0, 0, 1}},
		},
		{
			name:    "another actor cannot replace a reply",
			put:     []Interaction{bobReply, stolen},
			wantErr: ErrNotOwner,
			want:    map[string][]Interaction{ixPost1: {bobReply}},
		},
		{name: "no id", put: []Interaction{{Type: InteractionLike, Actor: ixAnn, Object: ixPost1}}, wantErr: ErrInvalidID},
		{name: "no actor", put: []Interaction{{ID: "https://a.example/likes/1", Type: InteractionLike, Object: ixPost1}}, wantErr: ErrInvalidID},
		{name: "no object", put: []Interaction{{ID: "https://a.example/likes/1", Type: InteractionLike, Actor: ixAnn}}, wantErr: ErrInvalidID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			s, _ := openTemp(t)
			for i, in := range tt.put {
				err := s.PutInteraction(ctx, in)
				if i == len(tt.put)-1 {
					if !errors.Is(err, tt.wantErr) {
						t.Fatalf("PutInteraction error = %v, want %v", err, tt.wantErr)
					}
				} else if err != nil {
					t.Fatal(err)
				}
			}
			for object, want := range tt.want {
				got, err := s.Interactions(ctx, object)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 0 || len(want) != 0 {
					if !reflect.DeepEqual(got, want) {
						t.Errorf("Interactions(%s) =\n%+v\nwant\n%+v", object, got, want)
					}
				}
			}
			for object, want := range tt.counts {
				l, a, r, err := s.InteractionCounts(ctx, object)
				if err != nil {
					t.Fatal(err)
				}
				if got := (ixCounts{l, a, r}); got != want {
					t.Errorf("InteractionCounts(%s) = %+v, want %+v", object, got, want)
				}
			}
		})
	}
}

func TestPutInteractionUnknownType(t *testing.T) {
	s, _ := openTemp(t)
	in := annLike
	in.Type = "Like"
	if err := s.PutInteraction(t.Context(), in); err == nil {
		t.Error("PutInteraction of type \"Like\" succeeded; types are lower-case")
	}
	if got, err := s.Interactions(t.Context(), ixPost1); err != nil || len(got) != 0 {
		t.Errorf("Interactions = %v, %v; want none", got, err)
	}
}

func TestDeleteInteraction(t *testing.T) {
	tests := []struct {
		name        string
		id, actor   string
		wantDeleted bool
		wantErr     error
		wantLeft    []string
		wantCounts  ixCounts
	}{
		{name: "by its actor", id: bobBoost.ID, actor: ixBob, wantDeleted: true,
			wantLeft: []string{annLike.ID, bobReply.ID}, wantCounts: ixCounts{1, 0, 1}},
		{name: "by another actor", id: bobBoost.ID, actor: ixAnn,
			wantLeft: []string{annLike.ID, bobBoost.ID, bobReply.ID}, wantCounts: ixCounts{1, 1, 1}},
		{name: "unknown id", id: "https://b.example/boosts/9", actor: ixBob,
			wantLeft: []string{annLike.ID, bobBoost.ID, bobReply.ID}, wantCounts: ixCounts{1, 1, 1}},
		{name: "empty id", id: "", actor: ixBob, wantErr: ErrInvalidID,
			wantLeft: []string{annLike.ID, bobBoost.ID, bobReply.ID}, wantCounts: ixCounts{1, 1, 1}},
		{name: "empty actor", id: bobBoost.ID, actor: "", wantErr: ErrInvalidID,
			wantLeft: []string{annLike.ID, bobBoost.ID, bobReply.ID}, wantCounts: ixCounts{1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			s, _ := openTemp(t)
			for _, in := range []Interaction{annLike, bobBoost, bobReply} {
				if err := s.PutInteraction(ctx, in); err != nil {
					t.Fatal(err)
				}
			}
			deleted, err := s.DeleteInteraction(ctx, tt.id, tt.actor)
			if !errors.Is(err, tt.wantErr) || deleted != tt.wantDeleted {
				t.Errorf("DeleteInteraction = %v, %v; want %v, %v", deleted, err, tt.wantDeleted, tt.wantErr)
			}
			got, err := s.Interactions(ctx, ixPost1)
			if err != nil {
				t.Fatal(err)
			}
			if ids := interactionIDs(got); !reflect.DeepEqual(ids, tt.wantLeft) {
				t.Errorf("left %v, want %v", ids, tt.wantLeft)
			}
			l, a, r, err := s.InteractionCounts(ctx, ixPost1)
			if got := (ixCounts{l, a, r}); err != nil || got != tt.wantCounts {
				t.Errorf("InteractionCounts = %+v, %v; want %+v", got, err, tt.wantCounts)
			}
		})
	}
}

func TestDeleteInteractionsByActor(t *testing.T) {
	tests := []struct {
		name     string
		actor    string
		wantN    int
		wantErr  error
		wantLeft map[string][]string
	}{
		{name: "actor with interactions on two posts", actor: ixAnn, wantN: 2,
			wantLeft: map[string][]string{ixPost1: {bobBoost.ID, bobReply.ID}, ixPost10: {}}},
		{name: "other actor", actor: ixBob, wantN: 2,
			wantLeft: map[string][]string{ixPost1: {annLike.ID}, ixPost10: {annReply.ID}}},
		{name: "actor without interactions", actor: "https://c.example/users/cat",
			wantLeft: map[string][]string{ixPost1: {annLike.ID, bobBoost.ID, bobReply.ID}, ixPost10: {annReply.ID}}},
		{name: "empty actor", actor: "", wantErr: ErrInvalidID,
			wantLeft: map[string][]string{ixPost1: {annLike.ID, bobBoost.ID, bobReply.ID}, ixPost10: {annReply.ID}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			s, _ := openTemp(t)
			for _, in := range []Interaction{annLike, bobBoost, bobReply, annReply} {
				if err := s.PutInteraction(ctx, in); err != nil {
					t.Fatal(err)
				}
			}
			n, err := s.DeleteInteractionsByActor(ctx, tt.actor)
			if !errors.Is(err, tt.wantErr) || n != tt.wantN {
				t.Errorf("DeleteInteractionsByActor = %d, %v; want %d, %v", n, err, tt.wantN, tt.wantErr)
			}
			for object, want := range tt.wantLeft {
				got, err := s.Interactions(ctx, object)
				if err != nil {
					t.Fatal(err)
				}
				if ids := interactionIDs(got); !reflect.DeepEqual(ids, want) {
					t.Errorf("left on %s: %v, want %v", object, ids, want)
				}
				l, a, r, err := s.InteractionCounts(ctx, object)
				if err != nil || l+a+r != len(want) {
					t.Errorf("InteractionCounts(%s) = %d+%d+%d, %v; want %d in all", object, l, a, r, err, len(want))
				}
			}
		})
	}
}
