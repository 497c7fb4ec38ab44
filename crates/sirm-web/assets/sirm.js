// SIRM pages: the language switch, print buttons and upload progress.
// Served as a file (/static/sirm.js) so that the Content-Security-Policy
// needs to allow no inline script. Every page works without it.
(function () {
  var h = document.documentElement;
  if (localStorage.getItem('sirm-lang') === 'en') {
    h.classList.add('lang-en');
    h.lang = 'en';
  }
  function ready(f) {
    if (document.readyState !== 'loading') f();
    else document.addEventListener('DOMContentLoaded', f);
  }
  ready(function () {
    var lang = document.getElementById('lang');
    if (lang) {
      lang.addEventListener('click', function () {
        var en = h.classList.toggle('lang-en');
        h.lang = en ? 'en' : 'zh-CN';
        localStorage.setItem('sirm-lang', en ? 'en' : 'zh');
      });
    }
    document.querySelectorAll('[data-print]').forEach(function (b) {
      b.addEventListener('click', function () { window.print(); });
    });
    // Upload progress of a declaration file (the form posts normally without script).
    var up = document.getElementById('upload');
    if (up) {
      up.addEventListener('submit', function (ev) {
        if (!window.XMLHttpRequest || !window.FormData) return;
        ev.preventDefault();
        var bar = document.getElementById('sent');
        bar.hidden = false;
        var x = new XMLHttpRequest();
        x.open('POST', ev.target.action);
        x.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = 100 * e.loaded / e.total; };
        x.onload = function () {
          // Taken: the answer redirected to the job page. Refused: the
          // answer is the form again with its error, shown in place (its
          // URL accepts only POST).
          var action = new URL(ev.target.action, window.location.href).href;
          if (x.responseURL && x.responseURL !== action) {
            window.location = x.responseURL;
            return;
          }
          var doc = new DOMParser().parseFromString(x.responseText, 'text/html');
          document.title = doc.title;
          document.body.replaceWith(document.adoptNode(doc.body));
        };
        x.send(new FormData(ev.target));
      });
    }
  });
})();
