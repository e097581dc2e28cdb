"""Webhook endpoints (admin): register, change, remove, rotate the secret, read the log, retry."""

from __future__ import annotations

from flask.views import MethodView

from bakery.api.base import Blueprint, page_of
from bakery.api.webhooks.schemas import (
    DeliverySchema,
    WebhookCreateSchema,
    WebhookSchema,
    WebhookUpdateSchema,
    WebhookWithSecretSchema,
)
from bakery.auth.guards import auth_required
from bakery.extensions import db
from bakery.services import webhooks

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1/webhooks",
    description=(
        "Endpoints that hear about orders and products as they change, signed the Standard "
        "Webhooks way (admin)"
    ),
)
CREATE_EXAMPLE = {
    "url": "https://deliveries.example.com/bakery",
    "events": ["order.created", "order.status_changed"],
    "description": "Couriers",
}


@blp.route("")
class Webhooks(MethodView):
    @auth_required(blp, role="admin")
    @blp.response(200, WebhookSchema(many=True))
    @blp.paginate()
    @blp.doc(operationId="listWebhooks")
    def get(self, pagination_parameters):
        """Registered endpoints, oldest first (admin)

        Secrets are never listed: they are shown when made and when rotated.
        """
        return page_of(webhooks.list_endpoints(), pagination_parameters)

    @auth_required(blp, role="admin")
    @blp.arguments(WebhookCreateSchema, example=CREATE_EXAMPLE)
    @blp.response(201, WebhookWithSecretSchema)
    @blp.doc(operationId="createWebhook")
    def post(self, data):
        """Register an endpoint (admin)

        Active at once. The answer carries the signing secret, the only time it is shown.
        """
        endpoint = webhooks.create_endpoint(**data)
        db.session.commit()
        return endpoint


@blp.route("/<id:webhook_id>")
class WebhookById(MethodView):
    @auth_required(blp, role="admin")
    @blp.response(200, WebhookSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(operationId="getWebhook")
    def get(self, webhook_id):
        """One endpoint (admin)"""
        return webhooks.get_endpoint(webhook_id)

    @auth_required(blp, role="admin")
    @blp.arguments(WebhookUpdateSchema, example={"is_active": False})
    @blp.response(200, WebhookSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(operationId="updateWebhook")
    def patch(self, data, webhook_id):
        """Change an endpoint's URL, events, description or whether it is active (admin)

        Deliveries already made keep going to the endpoint; an inactive one gets nothing new
        and sends nothing until it is active again.
        """
        endpoint = webhooks.get_endpoint(webhook_id)
        webhooks.update_endpoint(endpoint, data)
        db.session.commit()
        return endpoint

    @auth_required(blp, role="admin")
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(operationId="deleteWebhook")
    def delete(self, webhook_id):
        """Remove an endpoint and its delivery log (admin)"""
        webhooks.delete_endpoint(webhooks.get_endpoint(webhook_id))
        db.session.commit()


@blp.route("/<id:webhook_id>/rotate-secret")
class RotateSecret(MethodView):
    @auth_required(blp, role="admin")
    @blp.response(200, WebhookWithSecretSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(operationId="rotateWebhookSecret")
    def post(self, webhook_id):
        """Give an endpoint a new secret (admin)

        For 24 hours the old secret keeps signing too: `webhook-signature` carries both
        signatures, space-separated, so the receiver can switch without losing a delivery.
        """
        endpoint = webhooks.rotate_secret(webhooks.get_endpoint(webhook_id))
        db.session.commit()
        return endpoint


@blp.route("/<id:webhook_id>/deliveries")
class Deliveries(MethodView):
    @auth_required(blp, role="admin")
    @blp.response(200, DeliverySchema(many=True))
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.paginate()
    @blp.doc(operationId="listWebhookDeliveries")
    def get(self, pagination_parameters, webhook_id):
        """The endpoint's delivery log, newest first (admin)"""
        endpoint = webhooks.get_endpoint(webhook_id)
        return page_of(webhooks.list_deliveries(endpoint), pagination_parameters)


@blp.route("/<id:webhook_id>/deliveries/<id:delivery_id>/retry")
class RetryDelivery(MethodView):
    @auth_required(blp, role="admin")
    @blp.response(202, DeliverySchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="The delivery has not failed")
    @blp.doc(operationId="retryWebhookDelivery")
    def post(self, webhook_id, delivery_id):
        """Send a failed delivery again (admin)

        With the same webhook-id, so a receiver that got it after all drops the duplicate.
        """
        delivery = webhooks.retry_delivery(webhooks.get_endpoint(webhook_id), delivery_id)
        db.session.commit()
        return delivery
