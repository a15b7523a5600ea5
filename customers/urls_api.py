"""API routes of the customers app (mounted under /api/t/<tenant slug>/)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("customers", api.CustomerViewSet, basename="customer")
router.register("contacts", api.ContactViewSet, basename="contact")
router.register("credit-limit-changes", api.CreditLimitChangeViewSet, basename="credit-limit-change")
router.register("branches", api.BranchViewSet, basename="branch")
router.register("customer-groups", api.CustomerGroupViewSet, basename="customer-group")
router.register("payment-terms", api.PaymentTermsViewSet, basename="payment-terms")

urlpatterns = router.urls
