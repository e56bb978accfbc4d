/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// The sign-in form of the review desk and the operator console. The key goes in a POST body
// (never the URL, which browsers keep in history and servers log) and the browser is asked to
// treat it as a password (its password manager may keep it, it is never shown).
import type { Role } from "../context";
import { Document } from "./layout";

const AREA: Record<Role, { title: string; path: string; key: string }> = {
	reviewer: { title: "px-edge review desk", path: "/review", key: "Reviewer key" },
	operator: { title: "px-edge operator console", path: "/ops", key: "Operator key" },
};

export function SignInPage(props: { role: Role; error?: string; notice?: string }) {
	const area = AREA[props.role];
	return (
		<Document title={`Sign in · ${area.title}`} dark={props.role === "operator"}>
			<main>
				<form class="signin" method="post" action={`${area.path}/sign-in`}>
					<h1>{area.title}</h1>
					{props.error ? (
						<p class="flash error" role="alert">
							{props.error}
						</p>
					) : null}
					{props.notice ? <p class="flash">{props.notice}</p> : null}
					{/* Lets a password manager tell the reviewer key from the operator key. */}
					<input type="text" name="username" autocomplete="username" value={props.role} hidden />
					<label for="key">{area.key}</label>
					<input
						id="key"
						name="key"
						type="password"
						autocomplete="current-password"
						required
						autofocus
						maxlength={512}
					/>
					<button type="submit">Sign in</button>
					<p class="help">
						The key stays in this form: the browser gets a signed session cookie that expires. In
						production this page sits behind Cloudflare Access.
					</p>
				</form>
			</main>
		</Document>
	);
}
