// CloudFront Function (runtime cloudfront-js-2.0, viewer request event) for the sign-in SPA's
// release build in S3: each path gets its prerendered page (docs/deploy.md#s3--cloudfront).
//   /                                          -> /index.html
//   /user-activation/{uid}/{token}             -> /user-activation.html   (likewise the other
//   /confirm-password-reset/..., /confirm-email-reset/...                   emailed links, and the
//   /oauth-callback/{provider}                  -> /oauth-callback.html     social sign-in's callback)
//   /login, /dashboard/, any path without an extension -> /login.html, /dashboard.html, ...
//   anything with an extension (the hashed .js, .wasm, .css): unchanged, so a missing file stays
//   a 403/404 from S3 and is never answered with a page (a stale tab would get HTML as JS).
// A path with no page (/nope -> /nope.html) is missing too: the distribution's custom error
// response (403 and 404 -> /404.html, response code 404) answers it.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var emailed = uri.match(/^\/(user-activation|confirm-password-reset|confirm-email-reset|oauth-callback)\//);
  if (emailed) {
    request.uri = '/' + emailed[1] + '.html';
  } else if (uri === '/') {
    request.uri = '/index.html';
  } else if (!/\.[A-Za-z0-9]+$/.test(uri)) {
    request.uri = uri.replace(/\/$/, '') + '.html';
  }
  return request;
}
