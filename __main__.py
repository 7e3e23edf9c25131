"""Slipway program: stack settings -> namespace -> catalog -> one Microservice per service.

Thin on purpose: every decision lives in the library (components/slipway), which tests import
without running this file.
"""

from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from slipway import ServiceNamespace, ServiceNamespaceArgs, deploy_catalog, load_catalog
from slipway.catalog_deployment import check_releases, check_secret_values
from slipway.settings import CONFIG_NAMESPACE, SECRET_VALUES_KEY, StackSettings, secret_inputs
from slipway.stack_config import read_namespace

stack_file = f"Pulumi.{pulumi.get_stack()}.yaml"
raw = read_namespace(CONFIG_NAMESPACE)
settings = StackSettings.parse(raw, stack_file)
environment = settings.to_environment()

# Everything is validated before the first resource is registered: a bad catalog or a
# missing secret creates nothing.
catalog = load_catalog(Path(settings.catalog), environment.name)
secret_values = secret_inputs(raw.get(SECRET_VALUES_KEY), stack_file)
store = settings.secret_store_ref()
check_secret_values(catalog, secret_values, stack_file, store)
check_releases(catalog, settings.releases, stack_file)

kube = settings.kubernetes
provider = k8s.Provider(
    "kubernetes",
    render_yaml_to_directory=kube.render_dir,
    context=kube.context,
    kubeconfig=kube.kubeconfig,
    enable_server_side_apply=True,
    # A flag flip updates its ConfigMap in place (no delete and re-create under running pods).
    enable_config_map_mutable=True,
)
namespace = ServiceNamespace(
    environment.namespace,
    ServiceNamespaceArgs(name=environment.namespace, environment=environment.name),
    opts=pulumi.ResourceOptions(providers=[provider]),
)
services = deploy_catalog(
    catalog, environment, namespace.name, secret_values=secret_values, secret_store=store,
    releases=settings.releases, opts=pulumi.ResourceOptions(providers=[provider]),
)

pulumi.export("environment", environment.name)
pulumi.export("namespace", namespace.name)
pulumi.export("renderDir", kube.render_dir)
pulumi.export("services", {
    name: {
        "image": service.image,
        "version": service.version,
        "namespace": service.namespace,
        "url": service.url,
        "release": service.release_status,
        "resources": service.resource_names,
    }
    for name, service in services.items()
})
