"""The OpenAPI schema's sections: every tenant endpoint tagged with the area of the resource it serves.

drf-spectacular tags an operation with the first path segment after the common prefix, which for
`/api/t/{tenant_slug}/customers/` is `t`: one section holding everything. Here the segment after the
tenant names the resource, and `api_sections.TAGS` puts related resources in one section.
"""

from drf_spectacular.openapi import AutoSchema

from .api_sections import TAGS

TENANT_PREFIX = "/api/t/{tenant_slug}/"


class TenantAutoSchema(AutoSchema):
    def get_tags(self) -> list[str]:
        if not self.path.startswith(TENANT_PREFIX):
            return super().get_tags()
        resource = self.path[len(TENANT_PREFIX) :].split("/", 1)[0]
        return [TAGS.get(resource, resource)]
