package activitypub

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"

	"github.com/blogbridge/blogbridge/store"
)

// Publishing is a diff: the ledger says, per post, what was last sent to
// followers (Object.Sent and SentHash); the current index says what the
// post is now. A live post never sent gets a Create, a live post whose
// content changed since it was sent an Update, and a post that is gone but
// was sent a Delete. The activity is queued durably first, then the ledger
// records it, so a crash in between sends it again rather than never: the
// delivery queue drops an activity id it already holds.

// PublishResult counts what a Publish queued.
type PublishResult struct {
	Created, Updated, Deleted int
	// Archived counts posts recorded without being sent, on the first
	// start.
	Archived int
	// Inboxes is how many inboxes each activity went to.
	Inboxes int
}

// Publish queues the activities that bring followers up to date with the
// current snapshot, through d. On the blog's first start it sends nothing:
// the posts already published are recorded as the archive, so followers
// are not flooded with it. Call it after Sync, whenever the snapshot
// changes and when NextChange comes.
func (h *Handler) Publish(ctx context.Context, d Deliverer) (PublishResult, error) {
	var res PublishResult
	idx, err := h.current(ctx)
	if err != nil {
		return res, err
	}
	h.mu.Lock() // the ledger is read, changed and written under the index lock
	defer h.mu.Unlock()
	records, err := h.store.Objects(ctx)
	if err != nil {
		return res, err
	}
	now := h.now().UTC()
	_, started, err := h.store.PublishingSince(ctx)
	if err != nil {
		return res, err
	}
	if !started {
		var archive []store.Object
		for _, rec := range records {
			if !rec.Deleted() && rec.Sent == "" {
				rec.Sent, rec.SentHash, rec.SentAt = store.SentArchived, rec.ContentHash, now
				archive = append(archive, rec)
			}
		}
		res.Archived = len(archive)
		return res, h.store.StartPublishing(ctx, now, archive)
	}

	inboxes, err := h.store.FollowerInboxes(ctx)
	if err != nil {
		return res, err
	}
	res.Inboxes = len(inboxes)
	for _, rec := range records {
		var (
			v    vocab.Type
			kind string
		)
		e := idx.byID[rec.ID]
		switch {
		case e != nil && rec.Sent == "":
			kind = store.SentCreate
			obj, err := h.objectValue(idx, e)
			if err != nil {
				return res, err
			}
			v = idx.conv.postToCreate(e.post, e.id, obj)
		case e != nil && rec.SentHash != rec.ContentHash && rec.Sent != store.SentDelete:
			kind = store.SentUpdate
			obj, err := h.objectValue(idx, e)
			if err != nil {
				return res, err
			}
			v = idx.conv.postToUpdate(e.post, e.id, rec.ContentHash, obj)
		case e == nil && rec.Deleted() && rec.Sent != "" && rec.Sent != store.SentDelete:
			kind = store.SentDelete
			v = idx.conv.recordToDelete(rec)
		default:
			continue
		}
		body, err := toJSON(v)
		if err != nil {
			return res, err
		}
		out := Outgoing{ID: activityIDOf(v), ObjectID: idx.urls.object(rec.ID), Body: body}
		if len(inboxes) > 0 {
			if err := d.Deliver(ctx, out, inboxes); err != nil {
				return res, err
			}
		}
		rec.Sent, rec.SentHash, rec.SentAt = kind, rec.ContentHash, now
		if err := h.store.PutObjects(ctx, []store.Object{rec}); err != nil {
			return res, err
		}
		switch kind {
		case store.SentCreate:
			res.Created++
		case store.SentUpdate:
			res.Updated++
		case store.SentDelete:
			res.Deleted++
		}
		h.logger.LogAttrs(ctx, slog.LevelInfo, "activitypub: queued "+kind,
			slog.String("object", out.ObjectID), slog.String("file", rec.File), slog.Int("inboxes", len(inboxes)))
	}
	return res, nil
}

// Announce queues a Create of an archived post, the one at permalink (a
// URL or its path), so followers get it although it was published before
// federation started. It fails, with store.ErrNotArchived, for a post that
// is not federated or was sent already.
func (h *Handler) Announce(ctx context.Context, d Deliverer, permalink string) error {
	h.mu.Lock() // the ledger is changed under the index lock, as Publish does
	_, err := h.store.MarkForAnnounce(ctx, permalink)
	h.mu.Unlock()
	if err != nil {
		return err
	}
	_, err = h.Publish(ctx, d)
	return err
}

// NextChange returns when the federated posts change without any file
// changing, because a post comes due or expires; zero for never. Publish
// should run then.
func (h *Handler) NextChange(ctx context.Context) (time.Time, error) {
	idx, err := h.current(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return idx.expires, nil
}

// postToUpdate wraps the changed object of a post in an Update; its id
// names the content it carries, so each edit is a new activity.
func (c *converter) postToUpdate(p *post, id, contentHash string, object vocab.Type) vocab.ActivityStreamsUpdate {
	up := streams.NewActivityStreamsUpdate()
	setID(up, mustURL(c.urls.object(id)+"#updates/"+shortHash(contentHash)))
	up.SetActivityStreamsActor(actorOf(mustURL(c.urls.actor)))
	setPublished(up, p.updated)
	setPublic(up, mustURL(c.urls.followers))
	op := streams.NewActivityStreamsObjectProperty()
	if err := op.AppendType(object); err != nil {
		panic("activitypub: a post object is not an object: " + err.Error())
	}
	up.SetActivityStreamsObject(op)
	return up
}

// recordToDelete is the Delete of a post that is gone, its object a
// Tombstone.
func (c *converter) recordToDelete(rec store.Object) vocab.ActivityStreamsDelete {
	del := streams.NewActivityStreamsDelete()
	setID(del, mustURL(c.urls.object(rec.ID)+"#delete"))
	del.SetActivityStreamsActor(actorOf(mustURL(c.urls.actor)))
	setPublic(del, mustURL(c.urls.followers))
	op := streams.NewActivityStreamsObjectProperty()
	op.AppendActivityStreamsTombstone(c.recordToTombstone(rec, false))
	del.SetActivityStreamsObject(op)
	return del
}

// activityIDOf returns the id of an activity built here.
func activityIDOf(v vocab.Type) string {
	if id := v.GetJSONLDId(); id != nil && id.Get() != nil {
		return id.Get().String()
	}
	return ""
}

// shortHash shortens a content hash for use in an id.
func shortHash(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return h
}

// actorOf, toOf and objectOf are the actor, to and object properties
// holding one IRI.
func actorOf(u *url.URL) vocab.ActivityStreamsActorProperty {
	p := streams.NewActivityStreamsActorProperty()
	p.AppendIRI(u)
	return p
}

func toOf(u *url.URL) vocab.ActivityStreamsToProperty {
	p := streams.NewActivityStreamsToProperty()
	p.AppendIRI(u)
	return p
}

func objectOf(u *url.URL) vocab.ActivityStreamsObjectProperty {
	p := streams.NewActivityStreamsObjectProperty()
	p.AppendIRI(u)
	return p
}
