// The self-service terminal: the on-screen keypad fills whichever field has
// the focus; on the record page a countdown signs the person out after the
// idle limit (data-idle, seconds). Served as /static/kiosk.js.
(function () {
  var field = document.getElementById('id_number');
  document.querySelectorAll('input').forEach(function (i) {
    i.addEventListener('focus', function () { field = i; });
  });
  document.querySelectorAll('.keys button').forEach(function (b) {
    b.addEventListener('click', function () {
      if (!field) return;
      var k = b.dataset.key;
      if (k === 'del') field.value = field.value.slice(0, -1);
      else if (field.value.length < Number(field.maxLength > 0 ? field.maxLength : 32)) field.value += k;
      field.focus();
    });
  });
  var left = document.getElementById('left');
  if (left) {
    var idle = Number(left.dataset.idle) || 60;
    var n = idle;
    var reset = function () { n = idle; };
    ['click', 'keydown', 'touchstart', 'scroll', 'mousemove'].forEach(function (e) {
      document.addEventListener(e, reset, { passive: true });
    });
    setInterval(function () {
      n -= 1;
      left.textContent = n;
      if (n <= 0) document.getElementById('exit').submit();
    }, 1000);
  }
})();
