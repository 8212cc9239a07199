/*
 * Links built in the browser: the one check every page's JS uses before it sets an href.
 *
 *   Jobelix.safeHttpUrl(value)          -> the absolute URL if it is http(s) (relative paths resolve to this site), else null
 *   Jobelix.externalLink(value, text)   -> <a href target=_blank rel="noopener noreferrer"> for an http(s) URL,
 *                                          else a <span> with the text only
 *
 * Links from outside (scraped postings, workers) are checked where they are stored, but an
 * older row or a live event may still carry `javascript:` or `data:`: the browser's own URL
 * parser decides the scheme here, exactly as it would when the link is clicked.
 */
(function () {
  'use strict';

  function safeHttpUrl(value) {
    if (typeof value !== 'string' || value === '') return null;
    var url;
    try { url = new URL(value, window.location.origin); } catch (e) { return null; }
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  }

  function externalLink(value, text) {
    var href = safeHttpUrl(value);
    var node = document.createElement(href ? 'a' : 'span');
    if (href) {
      node.href = href;
      node.target = '_blank';
      node.rel = 'noopener noreferrer';
    }
    node.textContent = text === undefined || text === null ? '' : String(text);
    return node;
  }

  window.Jobelix = window.Jobelix || {};
  window.Jobelix.safeHttpUrl = safeHttpUrl;
  window.Jobelix.externalLink = externalLink;
})();
