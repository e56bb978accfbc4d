/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// The review desk page: the queue of creatives, each with a real preview (the image, or the video
// playing) at its own aspect, the facts a reviewer needs, approve/reject with a reason, and its
// audit trail. Works as plain HTML forms; /ui/review.js adds keyboard shortcuts, selection and
// decisions without a page load.
//
// Everything about a creative comes from a DSP and is hostile: JSX escapes it, and an asset URL
// is only ever used as a src or link when it is http(s) (never javascript:, data: or the like).

import type { AuditEntry, CappedDsp, DeskPage, ReviewItem } from "../../px/api/review-api";
import { APPROVAL_STATUSES, type ApprovalStatus } from "../../px/auction/approval";
import { age } from "./charts";
import { Document, SignedIn, utc } from "./layout";

interface ReviewPageProps {
	status: ApprovalStatus;
	desk: DeskPage;
	csrf: string;
	actor: string;
	/** http asset URLs may be previewed (local development only). */
	allowHttp: boolean;
	now: number;
	flash?: { text: string; error?: boolean };
}

const TAB_ORDER: ApprovalStatus[] = ["pending", "approved", "rejected"];

/** The asset URL if it is safe to load in the reviewer's browser, else undefined. */
function previewableUrl(url: string, allowHttp: boolean): string | undefined {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return undefined;
	}
	if (parsed.protocol === "https:" || (allowHttp && parsed.protocol === "http:"))
		return parsed.href;
	return undefined;
}

function Preview({ item, allowHttp }: { item: ReviewItem; allowHttp: boolean }) {
	const url = previewableUrl(item.asset_url, allowHttp);
	const label = `${item.crid}, ${item.w}×${item.h}`;
	if (!url) {
		return (
			<div class="blocked">
				Not previewed: the asset URL is not {allowHttp ? "http(s)" : "https"}.
			</div>
		);
	}
	if (item.mime.startsWith("video/")) {
		// Muted so browsers let it play; the page plays the focused one (review.js).
		return (
			<video
				src={url}
				width={item.w}
				height={item.h}
				controls
				muted
				loop
				playsinline
				preload="metadata"
				aria-label={label}
			/>
		);
	}
	if (item.mime.startsWith("image/")) {
		return (
			<img src={url} width={item.w} height={item.h} alt={label} loading="lazy" decoding="async" />
		);
	}
	return <div class="blocked">No preview for {item.mime}.</div>;
}

function Audit({ audit }: { audit: AuditEntry[] }) {
	return (
		<details class="audit">
			<summary>Audit trail ({audit.length})</summary>
			<ol>
				{audit.map((a) => (
					<li>
						<strong>{a.action}</strong> by <span class="mono">{a.actor}</span>, {utc(a.at)}
						{a.reason ? <span> — “{a.reason}”</span> : null}
					</li>
				))}
			</ol>
		</details>
	);
}

function Item(props: {
	item: ReviewItem & { audit: AuditEntry[] };
	index: number;
	status: ApprovalStatus;
	csrf: string;
	allowHttp: boolean;
	now: number;
}) {
	const { item } = props;
	const url = previewableUrl(item.asset_url, props.allowHttp);
	const duration = item.duration_s === null ? "" : ` · ${item.duration_s} s`;
	const seen = `${item.version}:${item.creative_key}`;
	return (
		<article
			class="item"
			id={`item-${props.index}`}
			tabindex={-1}
			data-key={item.creative_key}
			data-version={item.version}
		>
			<div class="preview">
				<Preview item={item} allowHttp={props.allowHttp} />
			</div>
			<div>
				<div class="decide">
					<input
						type="checkbox"
						form="bulk"
						name="key"
						value={item.creative_key}
						class="select"
						aria-label={`select ${item.crid}`}
					/>
					{/* What this page saw: the desk refuses the decision if the item changed since. */}
					<input type="hidden" form="bulk" name="expected_version" value={seen} />
					<span class={`status ${item.status}`}>{item.status}</span>
					<strong class="mono">{item.crid}</strong>
				</div>
				<dl class="facts">
					<dt>DSP</dt>
					<dd>{item.bidder}</dd>
					<dt>Advertiser</dt>
					<dd>{item.adomain.length ? item.adomain.join(", ") : "none declared"}</dd>
					<dt>Creative id</dt>
					<dd class="mono">{item.crid}</dd>
					<dt>Asset</dt>
					<dd>
						<span class="mono">{item.mime}</span> {`${item.w}×${item.h}${duration}`}{" "}
						{url ? (
							<a href={url} target="_blank" rel="noopener noreferrer">
								open
							</a>
						) : null}
					</dd>
					<dt>Asset URL</dt>
					<dd class="mono">{item.asset_url}</dd>
					<dt>First seen</dt>
					<dd>
						{utc(item.first_seen)} ({age(props.now - item.first_seen)} ago)
					</dd>
					<dt>Held back from</dt>
					<dd class="held-back">
						{item.held_back} {item.held_back === 1 ? "auction" : "auctions"}
					</dd>
					{item.status !== "pending" ? (
						<>
							<dt>Decided</dt>
							<dd>
								{utc(item.updated_at)}
								{item.reason ? ` — “${item.reason}”` : ""}
							</dd>
						</>
					) : null}
				</dl>
				<form class="decide" method="post" action="/review/decide">
					<input type="hidden" name="csrf" value={props.csrf} />
					<input type="hidden" name="key" value={item.creative_key} />
					<input type="hidden" name="expected_version" value={seen} />
					<input type="hidden" name="status" value={props.status} />
					<input
						type="text"
						name="reason"
						maxlength={500}
						placeholder="Reason (required to reject)"
						aria-label={`reason for ${item.crid}`}
					/>
					{item.status !== "approved" ? (
						<button class="approve" type="submit" name="action" value="approve">
							Approve <kbd>a</kbd>
						</button>
					) : null}
					{item.status !== "rejected" ? (
						<button class="reject" type="submit" name="action" value="reject">
							Reject <kbd>r</kbd>
						</button>
					) : null}
				</form>
				<Audit audit={item.audit} />
			</div>
		</article>
	);
}

/**
 * DSPs at their cap of pending items: what they send next is not on this page until some of
 * their items are decided (it is held back from auctions meanwhile, and comes back by itself).
 */
function CappedDsps({ dsps }: { dsps: CappedDsp[] }) {
	if (dsps.length === 0) return null;
	return (
		<section class="capped" aria-label="DSPs at their cap">
			<p>
				These DSPs are at their cap of {dsps[0]!.cap} pending creatives: the desk takes no new
				creative from them, and auctions keep holding those back, until some of their items are
				decided. Their next bids then bring them here.
			</p>
			<ul>
				{dsps.map((d) => (
					<li data-bidder={d.bidder}>
						<strong>{d.bidder}</strong>: capped, {d.pending} pending, {d.refused}{" "}
						{d.refused === 1 ? "submission" : "submissions"} refused
						{d.last_refused_at === null ? "" : ` (last ${utc(d.last_refused_at)})`}
					</li>
				))}
			</ul>
		</section>
	);
}

export function ReviewPage(props: ReviewPageProps) {
	const { desk, status } = props;
	const tabs = TAB_ORDER.filter((s) => APPROVAL_STATUSES.includes(s));
	return (
		<Document title={`Review desk · ${status} (${desk.counts[status]})`} script="review.js">
			<header class="top">
				<h1>Review desk</h1>
				<nav class="tabs" aria-label="Filter by status">
					{tabs.map((s, i) => (
						<a
							href={`/review?status=${s}`}
							class={s === status ? "current" : ""}
							data-shortcut={String(i + 1)}
						>
							{s} (<span class={`count-${s}`}>{desk.counts[s]}</span>)
						</a>
					))}
				</nav>
				<SignedIn actor={props.actor} csrf={props.csrf} signOut="/review/sign-out" />
			</header>
			<main>
				<div id="flash" aria-live="polite">
					{props.flash ? (
						<p class={props.flash.error ? "flash error" : "flash"}>{props.flash.text}</p>
					) : null}
				</div>
				<CappedDsps dsps={desk.capped_dsps} />
				<form id="bulk" class="toolbar" method="post" action="/review/decide">
					<input type="hidden" name="csrf" value={props.csrf} />
					<input type="hidden" name="status" value={status} />
					<input type="hidden" name="action" value="approve" />
					{status !== "approved" && desk.items.length > 0 ? (
						<>
							<label>
								<input type="checkbox" id="select-all" /> select all
							</label>
							<button type="submit" class="approve" id="bulk-approve">
								Approve selected (<span id="selected-count">0</span>) <kbd>A</kbd>
							</button>
						</>
					) : null}
					<span class="help">
						<kbd>j</kbd>/<kbd>k</kbd> next/previous · <kbd>a</kbd> approve · <kbd>r</kbd> reject
						(type the reason, <kbd>Enter</kbd>) · <kbd>x</kbd> select · <kbd>A</kbd> approve
						selected · <kbd>1</kbd>–<kbd>3</kbd> status · <kbd>o</kbd> audit trail
					</span>
				</form>
				{desk.items.length === 0 ? (
					<p class="empty">
						{status === "pending"
							? "Nothing waits for review. New creatives appear here when a DSP bids with them."
							: `No ${status} creatives.`}
					</p>
				) : (
					<div class="items">
						{desk.items.map((item, i) => (
							<Item
								item={item}
								index={i}
								status={status}
								csrf={props.csrf}
								allowHttp={props.allowHttp}
								now={props.now}
							/>
						))}
					</div>
				)}
				{desk.next ? (
					<p class="pager">
						<a
							class="button"
							href={`/review?status=${status}&after=${encodeURIComponent(desk.next)}`}
						>
							Next page
						</a>
					</p>
				) : null}
			</main>
		</Document>
	);
}
