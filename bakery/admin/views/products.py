"""Dashboard products: photos, prices, pickup rules, filters, inline edits, bulk switches, CSV."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BooleanEqualFilter, IntEqualFilter
from flask_admin.helpers import get_form_data
from flask_admin.model.form import create_editable_list_form
from flask_admin.model.widgets import XEditableWidget
from markupsafe import Markup
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from bakery.admin.views.catalog_base import CatalogModelView
from bakery.admin.views.catalog_forms import MoneyField, ProductForm, ProductInlineForm
from bakery.admin.views.product_display import collection_text, short_weekday
from bakery.admin.views.product_filters import (
    AllergenFilter,
    CategoryOptions,
    FreeFromAllergenFilter,
    TagFilter,
    category_labels,
)
from bakery.extensions import db
from bakery.formatting import money, spreadsheet_text
from bakery.ids import parse_id
from bakery.models.catalog import Product, ProductImage
from bakery.services import catalog, images
from bakery.services.errors import Conflict, DomainError


def price_text(cents: int) -> str:
    return money(cents, current_app.config["CURRENCY"])


def category_choices() -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in category_labels()]


class InlineEditWidget(XEditableWidget):
    """Inline editors open with the value as it is typed: '4.50', not '€4.50'."""

    def get_kwargs(self, field, kwargs):
        if isinstance(field, MoneyField):
            kwargs["data-type"] = "text"
            kwargs["data-value"] = field.typed_value()
            return kwargs
        return super().get_kwargs(field, kwargs)


def photo_url(image: ProductImage, variant: str = "thumb") -> str:
    return url_for("uploads.serve", name=images.variant_name(image.file_key, variant))


def _thumbnail(view, context, product: Product, name: str) -> Markup | str:
    if not product.images:
        return ""
    first = product.images[0]
    return Markup('<img src="{}" alt="{}" class="product-thumbnail" height="48">').format(
        photo_url(first), first.alt
    )


def _stock_text(view, context, product: Product, name: str) -> int | str:
    # Empty means the bakery does not count this item.
    return "" if product.stock is None else product.stock


class ProductView(CatalogModelView):
    edit_template = "admin/catalog/product_edit.html"
    form = ProductForm
    column_list = ("thumbnail", "name", "category", "price", "stock", "collection", "is_active")
    column_labels = {
        "thumbnail": "Photo",
        "is_active": "Active",
        "collection": "Collection",
        "lead_days": "Days of notice",
        "daily_limit": "Daily limit",
        "available_weekdays": "Weekdays",
    }
    column_sortable_list = (
        "name",
        ("category", "category.name"),
        "stock",
        "is_active",
    )
    column_default_sort = ("name", False)
    column_searchable_list = ("name", "description", "slug")
    column_filters = (
        IntEqualFilter(Product.category_id, "Category", options=CategoryOptions()),
        BooleanEqualFilter(Product.is_active, "Active"),
        AllergenFilter(),
        FreeFromAllergenFilter(),
        TagFilter(),
    )
    named_filter_urls = True
    column_editable_list = ("price", "stock", "is_active")
    column_formatters = {
        "thumbnail": _thumbnail,
        "category": lambda view, context, product, name: product.category.name,
        "price": lambda view, context, product, name: price_text(product.price_cents),
        "stock": _stock_text,
        "tags": lambda view, context, product, name: ", ".join(product.tags),
        "allergens": lambda view, context, product, name: ", ".join(product.allergens),
        "collection": lambda view, context, product, name: collection_text(product),
        "daily_limit": lambda view, context, product, name: product.daily_limit or "",
        "available_weekdays": lambda view, context, product, name: ", ".join(
            short_weekday(day) for day in product.available_weekdays
        ),
    }
    column_details_list = (
        "name",
        "slug",
        "category",
        "description",
        "price",
        "stock",
        "is_active",
        "tags",
        "allergens",
        "lead_days",
        "daily_limit",
        "available_weekdays",
        "created_at",
        "updated_at",
    )
    can_export = True
    export_types = ["csv"]
    column_export_list = (
        "name",
        "slug",
        "category",
        "price",
        "stock",
        "is_active",
        "tags",
        "allergens",
        "lead_days",
        "daily_limit",
        "available_weekdays",
    )
    column_formatters_export = {
        **column_formatters,
        "is_active": lambda view, context, product, name: "yes" if product.is_active else "no",
    }
    can_set_page_size = True
    form_widget_args = {
        "allergens": {"class": "list-unstyled"},
        "available_weekdays": {"class": "list-unstyled"},
    }
    # For the edit page's photo gallery.
    photo_url = staticmethod(photo_url)

    def get_query(self):
        # One statement per relation whatever the page size; the category is joined already.
        return (
            super()
            .get_query()
            .options(
                selectinload(Product.images),
                selectinload(Product.tag_links),
                selectinload(Product.allergen_links),
            )
        )

    def get_sortable_columns(self):
        # Flask-Admin names a sortable column after its attribute; the list calls it "price".
        return {**super().get_sortable_columns(), "price": Product.price_cents}

    def get_export_value(self, model, name):
        return spreadsheet_text(super().get_export_value(model, name))

    # --- forms -----------------------------------------------------------------------------

    def get_list_form(self):
        return create_editable_list_form(
            self.form_base_class, ProductInlineForm, InlineEditWidget()
        )

    def list_form(self, obj=None):
        form = super().list_form(obj)
        if obj is not None:
            form.price.data = obj.price_cents
        return form

    def create_form(self, obj=None):
        form = super().create_form(obj)
        form.category_id.choices = category_choices()
        return form

    def edit_form(self, obj=None):
        current = {
            "name": obj.name,
            "slug": obj.slug,
            "category_id": obj.category_id,
            "description": obj.description,
            "price": obj.price_cents,
            "stock": obj.stock,
            "is_active": obj.is_active,
            "tags": list(obj.tags),
            "allergens": list(obj.allergens),
            "lead_days": obj.lead_days,
            "daily_limit": obj.daily_limit,
            "available_weekdays": obj.available_weekdays,
        }
        form = self._edit_form_class(get_form_data(), data=current)
        form.category_id.choices = category_choices()
        return form

    # --- writes, all through the catalog and image services ---------------------------------

    @staticmethod
    def _changes(form) -> dict:
        """The service's fields for what this form carries (the inline editor holds only some)."""
        renamed = {"price": "price_cents"}
        changes = {
            renamed.get(name, name): form[name].data
            for name in (
                "name",
                "category_id",
                "description",
                "price",
                "stock",
                "is_active",
                "tags",
                "allergens",
                "lead_days",
                "daily_limit",
                "available_weekdays",
            )
            if name in form
        }
        if "slug" in form and form.slug.data is not None:
            changes["slug"] = form.slug.data
        return changes

    @staticmethod
    def _add_photos(product: Product, form) -> None:
        for upload in form.photos.data or []:
            if upload and upload.filename:
                try:
                    images.add_product_image(product, upload.read())
                except DomainError as error:
                    # Several files may be sent at once: say which one was refused.
                    raise type(error)(
                        f"{upload.filename}: {error.message}", field="photos"
                    ) from error

    def create_model(self, form):
        def create() -> Product:
            product = catalog.create_product(**self._changes(form))
            self._add_photos(product, form)
            return product

        return self.save(form, create)

    def update_model(self, form, model) -> bool:
        def update() -> None:
            catalog.update_product(model, self._changes(form))
            if "photos" in form:
                self._add_photos(model, form)

        return self.save(form, update) is not False

    def delete_model(self, model) -> bool:
        try:
            catalog.delete_product(model)
            db.session.commit()
        except Conflict:
            # The service's message speaks to API clients; the dashboard has its own controls.
            name = model.name
            db.session.rollback()
            flash(
                f"{name} appears in orders and cannot be deleted; deactivate it instead "
                "(untick Active, or use the Deactivate action on the list).",
                "error",
            )
            return False
        return True

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self):
        """Flask-Admin answers a refused inline edit with 500; it is the request that was wrong."""
        # Flask-Admin would fail on an edit that names no product instead of refusing it.
        if parse_id(request.form.get("list_form_pk", "")) is None:
            return "Failed to update record. Record does not exist.", 400
        answer = super().ajax_update()
        if isinstance(answer, tuple) and answer[1] == 500:
            return answer[0], 400
        return answer

    @action("activate", "Activate")
    def action_activate(self, ids: list[str]) -> None:
        self._switch(ids, is_active=True)

    @action("deactivate", "Deactivate", "Hide the selected products from the shop?")
    def action_deactivate(self, ids: list[str]) -> None:
        self._switch(ids, is_active=False)

    def _switch(self, ids: list[str], *, is_active: bool) -> None:
        product_ids = [key for key in map(parse_id, ids) if key is not None]
        changed = catalog.set_products_active(product_ids, is_active)
        db.session.commit()
        verb = "activated" if is_active else "deactivated"
        flash(f"{changed} product{'' if changed == 1 else 's'} {verb}.", "success")

    @expose("/<int:product_id>/photos/<int:image_id>/remove/", methods=("POST",))
    def remove_photo(self, product_id: int, image_id: int):
        product = self.get_one(product_id)
        if product is None:
            flash("That product no longer exists.", "error")
            return redirect(self.get_url(".index_view"))
        try:
            images.delete_product_image(images.get_product_image(product, image_id))
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash("Photo removed.", "success")
        return redirect(self.get_url(".edit_view", id=product.id))

    # --- an upload over the request limit never reaches the view ----------------------------

    def create_blueprint(self, admin):
        blueprint = super().create_blueprint(admin)
        blueprint.register_error_handler(RequestEntityTooLarge, self._upload_too_large)
        return blueprint

    def _upload_too_large(self, error: RequestEntityTooLarge):
        if request.endpoint not in (f"{self.endpoint}.create_view", f"{self.endpoint}.edit_view"):
            return error
        limit_mb = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        flash(
            f"The photos sent are larger than the {limit_mb} MB accepted in one upload; "
            "send fewer or smaller photos. Nothing was saved.",
            "error",
        )
        # Back to the same form, now as a GET.
        return redirect(request.url)
