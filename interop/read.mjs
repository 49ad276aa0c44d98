// Reads a running blogbridge the way another fediverse server would, with
// Fedify's own WebFinger client, JSON-LD processing and vocabulary, and
// prints what it found as JSON for the Go test to check.
//
// Usage: node read.mjs HANDLE POST_PERMALINK
//   HANDLE          blog@host:port of the running blogbridge (served over https)
//   POST_PERMALINK  the web address of one post, fetched by content negotiation
import { lookupWebFinger } from "@fedify/fedify/webfinger";
import { getDocumentLoader } from "@fedify/fedify/runtime";
import { isActor, lookupObject, Article, Create, Hashtag, Image, Note } from "@fedify/fedify/vocab";

const [handle, permalink] = process.argv.slice(2);
// Loopback is a private address, which Fedify refuses unless told.
const documentLoader = getDocumentLoader({ allowPrivateAddress: true });
const opts = { documentLoader, contextLoader: documentLoader };
const lookupOpts = { ...opts, allowPrivateAddress: true };

const text = (v) => (v == null ? null : v.toString());

async function describeObject(o) {
  const tags = [];
  for await (const t of o.getTags(opts)) {
    tags.push({ type: t instanceof Hashtag ? "Hashtag" : t.constructor.name, name: text(t.name), href: t.href?.href ?? null });
  }
  const attachments = [];
  for await (const a of o.getAttachments(opts)) {
    attachments.push({ type: a instanceof Image ? "Image" : a.constructor.name, url: a.url?.href ?? null, mediaType: a.mediaType ?? null, name: text(a.name), width: a.width ?? null, height: a.height ?? null });
  }
  const content = o.contents.find((c) => typeof c !== "string");
  return {
    id: o.id?.href ?? null,
    type: o instanceof Article ? "Article" : o instanceof Note ? "Note" : o.constructor.name,
    name: text(o.name),
    summary: text(o.summary),
    hasContent: typeof o.content === "string" || o.content != null,
    contentLanguage: content?.language?.compact() ?? null,
    url: o.url?.href ?? null,
    attributedTo: o.attributionId?.href ?? null,
    published: o.published?.toString() ?? null,
    sensitive: o.sensitive,
    to: o.toIds.map((u) => u.href),
    cc: o.ccIds.map((u) => u.href),
    tags,
    attachments,
  };
}

const out = {};

const jrd = await lookupWebFinger(`acct:${handle}`, { allowPrivateAddress: true });
if (jrd == null) throw new Error(`WebFinger found nothing for acct:${handle}`);
out.subject = jrd.subject;
out.subjectAgain = (await lookupWebFinger(jrd.subject, { allowPrivateAddress: true }))?.subject ?? null;
out.self = jrd.links.find((l) => l.rel === "self" && l.type === "application/activity+json")?.href ?? null;

const actor = await lookupObject(`@${handle}`, lookupOpts);
if (!isActor(actor)) throw new Error(`@${handle} is not an actor: ${actor?.constructor?.name}`);
const key = await actor.getPublicKey(opts);
out.actor = {
  id: actor.id?.href,
  type: actor.constructor.name,
  preferredUsername: text(actor.preferredUsername),
  name: text(actor.name),
  inbox: actor.inboxId?.href ?? null,
  outbox: actor.outboxId?.href ?? null,
  followers: actor.followersId?.href ?? null,
  featured: actor.featuredId?.href ?? null,
  sharedInbox: actor.endpoints?.sharedInbox?.href ?? null,
  manuallyApprovesFollowers: actor.manuallyApprovesFollowers,
  discoverable: actor.discoverable,
  indexable: actor.indexable,
  key: key && {
    id: key.id?.href ?? null,
    owner: key.ownerId?.href ?? null,
    // Set only when Fedify could import the PEM as an RSA public key.
    algorithm: key.publicKey?.algorithm?.name ?? null,
  },
};

const outbox = await actor.getOutbox(opts);
out.outbox = { totalItems: outbox.totalItems, items: [] };
let page = await outbox.getFirst(opts);
while (page != null) {
  for await (const item of page.getItems(opts)) {
    if (!(item instanceof Create)) throw new Error(`outbox item is a ${item.constructor.name}`);
    out.outbox.items.push(await describeObject(await item.getObject(opts)));
  }
  page = page.nextId == null ? null : await page.getNext(opts);
}

const first = out.outbox.items[0];
out.byID = await describeObject(await lookupObject(first.id, lookupOpts));
out.byPermalink = await describeObject(await lookupObject(permalink, lookupOpts));

const featured = await actor.getFeatured(opts);
out.featured = [];
for await (const item of featured.getItems(opts)) out.featured.push(item.id?.href ?? null);

console.log(JSON.stringify(out, null, 2));
