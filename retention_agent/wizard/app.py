"""The wizard's pages: a Flask app, server-rendered with Jinja2, one route per step.

Steps: (1) what and why, with the case's timeline; (2) choose photos; (3) the family's
and the child's answers; (4) how to deliver; (5) export and check; (6) sent? Each page
checks that the steps before it are done and sends the person back otherwise. A family
that answered "not yet" and comes back (the agent reminds them) is asked on the first
page whether the photos exported then have been sent (``/sent``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from flask import Blueprint, Flask, Response, abort, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers.response import Response as BaseResponse

from retention_agent import clock, i18n
from retention_agent.enforce import policy_for
from retention_agent.errors import RetentionError
from retention_agent.export import offer, records
from retention_agent.export.records import Answers, Consent
from retention_agent.export.run import DEFAULT_LONG_EDGE, ExportOptions, photos_to_export
from retention_agent.i18n import N_, _
from retention_agent.vault.cases import get_case, list_cases
from retention_agent.wizard import texts
from retention_agent.wizard.security import NOT_ALLOWED, NOT_FOUND, Tokens
from retention_agent.wizard.session import Session

STEPS: Final = 6
REFUSALS: Final = {
    400: N_("The wizard did not understand that answer. Go back and try again."),
    403: NOT_ALLOWED,
    404: NOT_FOUND,
}
PACKAGE: Final = Path(__file__).parent


def create_app(session: Session, tokens: Tokens) -> Flask:
    app = Flask(
        __name__,
        static_folder=str(PACKAGE / "static"),
        static_url_path=f"{tokens.prefix}/static",
        template_folder=str(PACKAGE / "templates"),
    )
    app.config["MAX_CONTENT_LENGTH"] = 1 << 20
    app.jinja_env.globals.update(
        _=i18n._,
        ngettext=i18n.ngettext,
        format_date=i18n.format_date,
        format_size=i18n.format_size,
    )
    pages = Blueprint("wizard", __name__, url_prefix=tokens.prefix)

    @pages.before_request
    def _before() -> BaseResponse | None:
        language = request.args.get("lang")
        if language in i18n.LANGUAGES:
            session.language = language
        i18n.set_language(session.language)
        if request.method == "POST" and not tokens.csrf_ok(request.form.get("csrf")):
            abort(403)
        if session.finished.is_set() and request.endpoint != "wizard.done":
            return redirect(url_for("wizard.done"))
        return None

    @pages.errorhandler(RetentionError)
    def _problem(error: RetentionError) -> tuple[str, int]:
        return page("problem.html", step=None, message=error.user_text()), 200

    @app.errorhandler(HTTPException)
    def _refused(error: HTTPException) -> tuple[str, int]:
        """Werkzeug's own pages are English only: say it in the person's language."""
        code = error.code or 500
        message = REFUSALS.get(code, RetentionError.message)
        return page("problem.html", step=None, message=_(message)), code

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        # Never a traceback on the page: it could name files of the child.
        return page("problem.html", step=None, message=_(RetentionError.message)), 500

    def page(template: str, *, step: int | None, **values: Any) -> str:
        return render_template(
            template,
            step=step,
            steps=STEPS,
            csrf=tokens.csrf,
            language=session.language,
            path=request.path,
            **values,
        )

    def current_offer() -> offer.PhotoOffer:
        with session.access.open(read_only=True) as vault:
            return offer.photo_offer(vault, session.require_case(), session.today())

    def about_case() -> dict[str, Any]:
        """The offer, the child's alias and the rule's words, for the pages that show them."""
        case_id = session.require_case()
        with session.access.open(read_only=True) as vault:
            state = offer.photo_offer(vault, case_id, session.today())
            rule = policy_for(vault, case_id).offer_rule
            unsent = records.unsent_exports(vault, case_id) if state.state == "open" else []
            return {
                "offer": state,
                "exported": unsent[-1].at if unsent else None,
                "alias": get_case(vault, case_id).alias or "",
                "rule": "" if rule is None else rule.summary.text(session.language),
                "lines": texts.timeline(state, session.today()),
            }

    @pages.get("/")
    def start() -> BaseResponse:
        if session.choices.case_id is None:
            return redirect(url_for("wizard.choose_case"))
        return redirect(url_for("wizard.step1"))

    @pages.route("/case", methods=["GET", "POST"])
    def choose_case() -> BaseResponse | str:
        with session.access.open(read_only=True) as vault:
            named = [case for case in list_cases(vault) if case.alias is not None]
            cases = sorted(named, key=lambda case: (case.alias or "").casefold())
            offers = {case.id: offer.photo_offer(vault, case.id, session.today()) for case in cases}
        if request.method == "POST":
            chosen = request.form.get("case", "")
            if chosen not in offers:
                abort(400)
            session.choices.case_id = chosen
            return redirect(url_for("wizard.step1"))
        return page("case.html", step=None, cases=cases, offers=offers)

    @pages.get("/1")
    def step1() -> BaseResponse | str:
        if session.choices.case_id is None:
            return redirect(url_for("wizard.choose_case"))
        return page("step1.html", step=1, **about_case())

    @pages.route("/2", methods=["GET", "POST"])
    def step2() -> BaseResponse | str:
        if (guard := _require(1)) is not None:
            return guard
        with session.access.open(read_only=True) as vault:
            photos = photos_to_export(vault, session.require_case())
        known = [photo.id for photo in photos]
        session.photo_ids = frozenset(known)
        choices = session.choices
        if choices.selected is None:
            choices.selected = set(known)
        if request.method == "POST":
            choice = request.form.get("select")
            if choice == "all":
                choices.selected = set(known)
            elif choice == "none":
                choices.selected = set()
            else:
                choices.selected = set(request.form.getlist("item")) & set(known)
                if choices.selected:
                    return redirect(url_for("wizard.step3"))
        return page(
            "step2.html",
            step=2,
            photos=photos,
            selected=choices.selected,
            empty=request.method == "POST" and not choices.selected,
        )

    @pages.get("/thumb/<item_id>")
    def thumbnail(item_id: str) -> Response:
        if item_id not in session.photo_ids:  # only the chosen case's photos, as listed
            abort(404)
        data = session.thumbnail(item_id)
        if isinstance(data, bytes):
            return Response(data, mimetype="image/jpeg")
        return app.send_static_file(f"{data}.svg")

    @pages.route("/3", methods=["GET", "POST"])
    def step3() -> BaseResponse | str:
        if (guard := _require(2)) is not None:
            return guard
        if request.method == "POST":
            family = _consent(request.form.get("family"))
            child = _consent(request.form.get("child"))
            note = request.form.get("note", "").strip() or None
            session.choices.answers = Answers(family, child, note)
            if family == "no":
                return redirect(url_for("wizard.decline"))
            if family == "yes":
                return redirect(url_for("wizard.step4"))
        return page(
            "step3.html",
            step=3,
            answers=session.choices.answers,
            missing=request.method == "POST",
        )

    @pages.route("/decline", methods=["GET", "POST"])
    def decline() -> BaseResponse | str:
        if (guard := _require(2)) is not None:
            return guard
        if session.choices.answers.family != "no":
            return redirect(url_for("wizard.step3"))
        if request.method == "POST":
            with session.access.open() as vault:
                offer.decline(vault, session.require_case(), clock.now(), session.choices.answers)
            return _finish("declined")
        return page("decline.html", step=3, answers=session.choices.answers, **about_case())

    @pages.route("/4", methods=["GET", "POST"])
    def step4() -> BaseResponse | str:
        if (guard := _require(3)) is not None:
            return guard
        choices = session.choices
        if request.method == "POST":
            choices.as_zip = request.form.get("delivery") == "zip"
            choices.downscale = request.form.get("downscale") == "yes"
            choices.destination = request.form.get("destination", "").strip()
            choices.part_mb = _number(request.form.get("part_mb"), choices.part_mb)
            selected = choices.selected or set()
            options = ExportOptions(
                destination=Path(choices.destination).expanduser(),
                as_zip=choices.as_zip,
                part_mb=choices.part_mb,
                long_edge=DEFAULT_LONG_EDGE if choices.downscale else None,
                items=tuple(sorted(selected)),
                answers=choices.answers,
            )
            options.check()
            session.start_export(options)
            return redirect(url_for("wizard.step5"))
        return page("step4.html", step=4, choices=choices, long_edge=DEFAULT_LONG_EDGE)

    @pages.get("/5")
    def step5() -> BaseResponse | str:
        job = session.job
        if job is None:
            return redirect(url_for("wizard.step4"))
        names: dict[str, str] = {}
        if not job.running and job.result is not None and job.result.left_out:
            with session.access.open(read_only=True) as vault:
                names = {p.id: p.name for p in photos_to_export(vault, session.require_case())}
        return page(
            "step5.html",
            step=5,
            job=job,
            names=names,
            problems=texts.PROBLEMS,
            left_out=texts.LEFT_OUT,
        )

    @pages.get("/progress")
    def progress() -> dict[str, object]:
        job = session.job
        if job is None:
            abort(404)
        return {"done": job.done, "total": job.total, "running": job.running}

    @pages.post("/retry")
    def retry() -> BaseResponse:
        with session.lock:
            if session.job is not None and not session.job.running and session.job.error:
                session.job = None
        return redirect(url_for("wizard.step4"))

    @pages.route("/6", methods=["GET", "POST"])
    def step6() -> BaseResponse | str:
        job = session.job
        if job is None or job.running or job.result is None:
            return redirect(url_for("wizard.step5"))
        if request.method == "POST":
            if request.form.get("sent") == "yes":
                with session.access.open() as vault:
                    offer.confirm_sent(vault, session.require_case(), session.today())
                return _finish("sent")
            return _finish("later")
        return page("step6.html", step=6, **about_case())

    @pages.post("/sent")
    def sent_earlier() -> BaseResponse:
        """The answer for photos exported in an earlier visit."""
        if request.form.get("sent") == "yes":
            with session.access.open() as vault:
                offer.confirm_sent(vault, session.require_case(), session.today())
            return _finish("sent")
        return _finish("later")

    @pages.post("/close")
    def close() -> BaseResponse:
        return _finish(None)

    @pages.get("/done")
    def done() -> str:
        session.finished.set()
        about = about_case() if session.choices.case_id is not None else {}
        folder = session.job.result.folder if session.job and session.job.result else None
        return page("done.html", step=None, outcome=session.choices.outcome, folder=folder, **about)

    def _finish(outcome: str | None) -> BaseResponse:
        session.choices.outcome = outcome  # type: ignore[assignment]
        return redirect(url_for("wizard.done"))

    def _require(step: int) -> BaseResponse | None:
        """Send the person back to the first step that is not done yet."""
        if session.choices.case_id is None:
            return redirect(url_for("wizard.choose_case"))
        if session.job is not None:
            return redirect(url_for("wizard.step5"))
        if current_offer().state != "open":
            return redirect(url_for("wizard.step1"))
        if step >= 2 and not session.choices.selected:
            return redirect(url_for("wizard.step2"))
        if step >= 3 and session.choices.answers.family != "yes":
            return redirect(url_for("wizard.step3"))
        return None

    app.register_blueprint(pages)
    return app


def _consent(value: str | None) -> Consent | None:
    if value == "yes":
        return "yes"
    return "no" if value == "no" else None


def _number(value: str | None, default: int) -> int:
    try:
        return int(value or "")
    except ValueError:
        return default
