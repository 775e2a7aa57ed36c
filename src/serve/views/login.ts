import { type Html, html } from "../html.js";
import { shell } from "./layout.js";

export function loginPage(token: string, message: string | null, user = ""): Html {
  return shell(
    "Sign in",
    html`<main id="main" class="login">
      <h1>Mandate</h1>
      <p class="lead">Sign in to review what your agents tried.</p>
      ${message === null ? "" : html`<p class="error" role="alert" id="signin-error">${message}</p>`}
      <form method="post" action="/signin" class="stack">
        <input type="hidden" name="_csrf" value="${token}" />
        <label for="user">User name</label
        ><input
          id="user"
          name="user"
          autocomplete="username"
          required
          autofocus
          value="${user}"
          maxlength="64"
        />
        <label for="password">Password</label
        ><input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          maxlength="1024"
        />
        <button type="submit" class="primary">Sign in</button>
      </form>
      <p class="hint">Operators are added with <code>mandate serve user add</code>.</p>
    </main>`,
  );
}
