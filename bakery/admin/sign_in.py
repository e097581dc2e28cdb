"""Staff sign-in and sign-out for the dashboard, on Flask-Login sessions, with attempt limits."""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from bakery.extensions import db, limiter, login_manager
from bakery.models.accounts import EMAIL_MAX, User
from bakery.services.accounts import (
    MAX_PASSWORD_LENGTH,
    account_for_session,
    authenticate_staff,
    end_sessions,
)

staff_auth = Blueprint("staff_auth", __name__, template_folder="templates")


class SignInForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=EMAIL_MAX)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )


def init_sign_in(app: Flask) -> None:
    app.register_blueprint(staff_auth, url_prefix="/admin")
    login_manager.login_view = "staff_auth.login"
    login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    # A deactivated account, or one whose sessions were ended, is signed out at its next request.
    user = account_for_session(session_id)
    if user is not None:
        g.user_id = user.id
    return user


def _safe_next(target: str | None) -> str:
    """Only a path inside the dashboard: never another host, never a scheme-relative URL."""
    fallback = url_for("admin.index")
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin"):
        return fallback
    if target.startswith("//") or "\\" in target:
        return fallback
    return target


def _client_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _account_limit() -> str:
    return current_app.config["SIGN_IN_ACCOUNT_RATE_LIMIT"]


def _account_tried() -> str:
    """The e-mail address tried, as a keyed digest: limit counters and logs never show it."""
    email = request.form.get("email", "").strip().lower()
    secret = current_app.config["SECRET_KEY"].encode()
    return "sign-in-account:" + hmac.new(secret, email.encode(), hashlib.sha256).hexdigest()


def _failed_attempt(response: Response) -> bool:
    # Only wrong credentials count: a page view or a form with a missing field costs nothing.
    return g.get("sign_in_failed", False)


def _renew_session() -> None:
    """Start a fresh session: nothing set before (a planted value, the CSRF token) carries over."""
    session.clear()
    # Flask-WTF keeps the request's token in g too; the next one must come from the new session.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


@staff_auth.route("/login/", methods=["GET", "POST"])
@limiter.limit(_client_limit, methods=["POST"], deduct_when=_failed_attempt)
@limiter.limit(
    _account_limit, key_func=_account_tried, methods=["POST"], deduct_when=_failed_attempt
)
def login():
    form = SignInForm()
    # Stated on every request: the limiter reads it once the response is made.
    g.sign_in_failed = False
    if form.validate_on_submit():
        user = authenticate_staff(form.email.data, form.password.data)
        if user is None:
            db.session.rollback()
            g.sign_in_failed = True
            # One message whether the e-mail or the password was wrong.
            flash("Wrong e-mail or password.", "error")
        else:
            db.session.commit()
            target = _safe_next(request.args.get("next"))
            _renew_session()
            login_user(user)
            return redirect(target)
    return render_template("admin/sign_in.html", form=form), (400 if form.errors else 200)


@staff_auth.errorhandler(RateLimitExceeded)
def too_many_attempts(error: RateLimitExceeded):
    """The sign-in page itself, saying why and for how long, rather than a bare 429."""
    breached = limiter.current_limit
    seconds = breached.reset_at - time.time() if breached else 60
    minutes = max(1, math.ceil(seconds / 60))
    flash(
        "Too many sign-in attempts. Please wait "
        f"{minutes} minute{'s' if minutes > 1 else ''} before trying again.",
        "error",
    )
    return render_template("admin/sign_in.html", form=SignInForm()), 429


@staff_auth.route("/logout/", methods=["GET", "POST"])
def logout():
    """GET asks for confirmation; only the POST (with its CSRF token) signs out."""
    if not current_user.is_authenticated:
        return redirect(url_for("staff_auth.login"))
    if request.method == "GET":
        return render_template("admin/accounts/sign_out.html")
    # A signed session cookie stays valid wherever a copy of it is: ending the account's
    # sessions is what makes a copied cookie useless after signing out.
    end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    _renew_session()
    flash("You are signed out.", "info")
    return redirect(url_for("staff_auth.login"))
