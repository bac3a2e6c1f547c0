/*
 * site.js - the little the default theme does in the browser. The pages
 * work without it: it adds a warning before leaving for a non-government
 * site, the article tools (font size, print) and the query on the search
 * page. No framework, no network requests.
 */
(function () {
    "use strict";

    /*
     * Links to non-government sites carry class="jy-external" and
     * data-leave="<name of this site>": ask before following them.
     */
    function leaveMessage(link) {
        var site = link.getAttribute("data-leave") || "本站";
        var host = link.hostname || link.getAttribute("href");
        return "您即将离开" + site + "网站，前往非政府网站：" + host +
            "\n该网站内容由其主办者负责，请注意保护个人信息。是否继续？";
    }

    document.addEventListener("click", function (e) {
        var t = e.target;
        while (t && t.nodeType === 1 && t.tagName !== "A") {
            t = t.parentNode;
        }
        if (!t || t.nodeType !== 1 || !/(^|\s)jy-external(\s|$)/.test(t.className)) {
            return;
        }
        if (!window.confirm(leaveMessage(t))) {
            e.preventDefault();
        }
    });

    function each(selector, fn) {
        var list = document.querySelectorAll(selector);
        for (var i = 0; i < list.length; i++) {
            fn(list[i]);
        }
    }

    /* article tools: 字号 大/中/小, 打印; remembered for the session */
    function setFont(article, size, buttons) {
        article.className = article.className.replace(/\s*jy-font-[lms]/g, "");
        if (size !== "m") {
            article.className += " jy-font-" + size;
        }
        for (var i = 0; i < buttons.length; i++) {
            buttons[i].setAttribute("aria-pressed",
                buttons[i].getAttribute("data-font") === size ? "true" : "false");
        }
        try {
            window.sessionStorage.setItem("jy-font", size);
        } catch (err) {
            /* storage may be off: the choice then lasts for this page */
        }
    }

    each("[data-jy-tools]", function (tools) {
        var article = tools.parentNode;
        while (article && !/(^|\s)jy-article(\s|$)/.test(article.className)) {
            article = article.parentNode;
        }
        if (!article) {
            return;
        }
        var buttons = tools.querySelectorAll("[data-font]");
        var saved = null;
        try {
            saved = window.sessionStorage.getItem("jy-font");
        } catch (err) {
            saved = null;
        }
        setFont(article, /^[lms]$/.test(saved || "") ? saved : "m", buttons);
        tools.addEventListener("click", function (e) {
            var b = e.target;
            if (b.hasAttribute("data-font")) {
                setFont(article, b.getAttribute("data-font"), buttons);
            } else if (b.hasAttribute("data-print")) {
                window.print();
            }
        });
        tools.hidden = false;
    });

    /* search page: show the query in the box */
    each("[data-jy-query]", function (input) {
        var m = /[?&]q=([^&#]*)/.exec(window.location.search);
        if (m) {
            try {
                input.value = decodeURIComponent(m[1].replace(/\+/g, " "));
            } catch (err) {
                input.value = "";
            }
        }
    });
}());
