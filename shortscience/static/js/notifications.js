// Follow buttons and "mark all read" without a page reload. Without JavaScript the same
// forms post and redirect; with it they post asking for JSON and update in place.
(function () {
  "use strict";
  if (window.shortscienceNotifications) return; // the follow include may load this twice
  window.shortscienceNotifications = true;

  function post(form) {
    return fetch(form.action, {
      method: "POST",
      headers: { Accept: "application/json" },
      body: new FormData(form),
      credentials: "same-origin",
    }).then(function (response) {
      if (response.status === 401) {
        window.location.href = "/accounts/login/?next=" + encodeURIComponent(location.pathname);
        throw new Error("login required");
      }
      if (!response.ok) throw new Error(response.status + " " + response.statusText);
      return response.json();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList.contains("follow-form")) {
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      post(form)
        .then(function (data) {
          form.action = data.following ? form.dataset.unfollowUrl : form.dataset.followUrl;
          button.textContent = data.following ? "Following" : "Follow";
          button.classList.toggle("following", data.following);
          button.setAttribute("aria-pressed", data.following ? "true" : "false");
        })
        .catch(function () {})
        .finally(function () {
          button.disabled = false;
        });
    } else if (form.classList.contains("mark-all-read")) {
      event.preventDefault();
      post(form)
        .then(function () {
          document.querySelectorAll(".notification.unread").forEach(function (li) {
            li.classList.remove("unread");
          });
          var count = document.querySelector(".inbox-link .unread-count");
          if (count) count.remove();
        })
        .catch(function () {});
    }
  });
})();
