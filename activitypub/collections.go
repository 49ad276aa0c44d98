package activitypub

import (
	"strconv"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"

	"github.com/blogbridge/blogbridge/store"
)

// defaultPageSize is how many activities a page of the outbox holds.
const defaultPageSize = 20

// postToCreate wraps the object of a post, whose ledger id is id, in the
// Create activity that published it.
func (c *converter) postToCreate(p *post, id string, object vocab.Type) vocab.ActivityStreamsCreate {
	cr := streams.NewActivityStreamsCreate()
	setID(cr, mustURL(c.urls.activity(id)))
	ap := streams.NewActivityStreamsActorProperty()
	ap.AppendIRI(mustURL(c.urls.actor))
	cr.SetActivityStreamsActor(ap)
	setPublished(cr, p.published)
	setPublic(cr, mustURL(c.urls.followers))
	op := streams.NewActivityStreamsObjectProperty()
	if err := op.AppendType(object); err != nil {
		panic("activitypub: a post object is not an object: " + err.Error())
	}
	cr.SetActivityStreamsObject(op)
	return cr
}

// outboxToCollection is the outbox itself: how many posts, and links to its
// first and last pages.
func (c *converter) outboxToCollection(total, pageSize int) vocab.ActivityStreamsOrderedCollection {
	oc := streams.NewActivityStreamsOrderedCollection()
	setID(oc, mustURL(c.urls.outbox))
	setTotalItems(oc, total)
	oc.SetActivityStreamsFirst(iri(streams.NewActivityStreamsFirstProperty(), mustURL(c.outboxPage(1))))
	oc.SetActivityStreamsLast(iri(streams.NewActivityStreamsLastProperty(), mustURL(c.outboxPage(pageCount(total, pageSize)))))
	return oc
}

// outboxToPage is page n (from 1) of the outbox, holding the Create
// activities of creates, newest first.
func (c *converter) outboxToPage(n, total, pageSize int, creates []vocab.ActivityStreamsCreate) vocab.ActivityStreamsOrderedCollectionPage {
	pg := streams.NewActivityStreamsOrderedCollectionPage()
	setID(pg, mustURL(c.outboxPage(n)))
	pg.SetActivityStreamsPartOf(iri(streams.NewActivityStreamsPartOfProperty(), mustURL(c.urls.outbox)))
	setTotalItems(pg, total)
	if n > 1 {
		pg.SetActivityStreamsPrev(iri(streams.NewActivityStreamsPrevProperty(), mustURL(c.outboxPage(n-1))))
	}
	if n < pageCount(total, pageSize) {
		pg.SetActivityStreamsNext(iri(streams.NewActivityStreamsNextProperty(), mustURL(c.outboxPage(n+1))))
	}
	items := streams.NewActivityStreamsOrderedItemsProperty()
	for _, cr := range creates {
		items.AppendActivityStreamsCreate(cr)
	}
	pg.SetActivityStreamsOrderedItems(items)
	return pg
}

func (c *converter) outboxPage(n int) string { return c.urls.outbox + "?page=" + strconv.Itoa(n) }

// pageCount is how many pages of pageSize items total items fill; an empty
// collection has one, empty, page.
func pageCount(total, pageSize int) int {
	if total <= 0 {
		return 1
	}
	return (total + pageSize - 1) / pageSize
}

// countToCollection is a collection that tells only how many items it has,
// as the followers and following collections do.
func countToCollection(id string, total int) vocab.ActivityStreamsOrderedCollection {
	oc := streams.NewActivityStreamsOrderedCollection()
	setID(oc, mustURL(id))
	setTotalItems(oc, total)
	return oc
}

// featuredToCollection is the featured collection: the pinned posts'
// objects, newest first.
func (c *converter) featuredToCollection(objects []vocab.Type) (vocab.ActivityStreamsOrderedCollection, error) {
	oc := streams.NewActivityStreamsOrderedCollection()
	setID(oc, mustURL(c.urls.featured))
	setTotalItems(oc, len(objects))
	items := streams.NewActivityStreamsOrderedItemsProperty()
	for _, o := range objects {
		if err := items.AppendType(o); err != nil {
			return nil, err
		}
	}
	if len(objects) > 0 {
		oc.SetActivityStreamsOrderedItems(items)
	}
	return oc, nil
}

// recordToTombstone is what a deleted post's id answers with.
func (c *converter) recordToTombstone(rec store.Object, activity bool) vocab.ActivityStreamsTombstone {
	ts := streams.NewActivityStreamsTombstone()
	id := c.urls.object(rec.ID)
	if activity {
		id = c.urls.activity(rec.ID)
	}
	setID(ts, mustURL(id))
	if rec.Type != "" && !activity {
		ft := streams.NewActivityStreamsFormerTypeProperty()
		ft.AppendXMLSchemaString(rec.Type)
		ts.SetActivityStreamsFormerType(ft)
	}
	del := streams.NewActivityStreamsDeletedProperty()
	del.Set(rec.DeletedAt.UTC().Truncate(time.Second))
	ts.SetActivityStreamsDeleted(del)
	return ts
}
