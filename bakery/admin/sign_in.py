"""Staff sign-in and sign-out for the dashboard, on Flask-Login sessions."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from bakery.extensions import db, login_manager
from bakery.models.accounts import EMAIL_MAX, User
from bakery.services.accounts import MAX_PASSWORD_LENGTH, authenticate_staff

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
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    # A deactivated or demoted account is signed out at its next request.
    if user is None or not user.is_active or not user.is_staff or not user.password_hash:
        return None
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


@staff_auth.route("/login/", methods=["GET", "POST"])
def login():
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate_staff(form.email.data, form.password.data)
        if user is None:
            db.session.rollback()
            # One message whether the e-mail or the password was wrong.
            flash("Wrong e-mail or password.", "error")
        else:
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("admin/sign_in.html", form=form), (400 if form.errors else 200)


@staff_auth.route("/logout/", methods=["GET", "POST"])
def logout():
    logout_user()
    return redirect(url_for("staff_auth.login"))
