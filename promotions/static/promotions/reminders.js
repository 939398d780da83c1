// Reminder form: fills in the browser's time zone and the chosen kind's usual time; the form
// works without it (the time zone box takes any IANA name, the time may be left empty).
(function () {
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  document.querySelectorAll(".reminder-form input[data-browser-timezone]").forEach(function (box) {
    if (zone && (!box.value || box.value === "UTC") && !box.closest(".has-error")) box.value = zone;
  });
  var time = document.getElementById("id_local_time");
  if (!time) return;
  document.querySelectorAll("input[name=kind][data-default-time]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (!time.dataset.touched) time.value = radio.dataset.defaultTime;
    });
  });
  time.addEventListener("input", function () { time.dataset.touched = "1"; });
})();
