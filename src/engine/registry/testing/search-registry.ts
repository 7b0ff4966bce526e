// A registry with docker's v1 search API for tests: /v2/ (which every registry client probes
// first) answers {}, /v1/search what the test says, any other path a 404 as the distribution
// registry answers it. On 127.0.0.1, a free port.

/** `search` answers each /v1/search request (its URL carries q and n). Stop it with stop(true). */
export function startSearchRegistry(search: (url: URL) => Response): ReturnType<typeof Bun.serve> {
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/v2/") return Response.json({});
      if (url.pathname === "/v1/search") return search(url);
      return new Response("404 page not found", { status: 404 });
    },
  });
}
