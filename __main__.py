"""Slipway program: stack settings -> platform -> namespace -> one Microservice per service.

Thin on purpose: settings are read and checked by the program layer (`slipway.stack`) and
every resource comes from the components (`slipway`), which tests import without running
this file.
"""

import os
from pathlib import Path

from slipway.stack.own_outputs import start_own_read, under_mocks

# First, before the imports below build the spec models: a bare `pulumi up` reads its recorded
# release progress with two `pulumi` processes, which run meanwhile (stack/own_outputs.py).
own_read = start_own_read(Path.cwd())

import pulumi
import pulumi_kubernetes as k8s

from slipway import ServiceNamespace, ServiceNamespaceArgs, deploy_catalog, load_catalog
from slipway.platform import KubernetesPlatform, platform_outputs, public_hosts
from slipway.stack import (
    build_platform,
    check_call_majors,
    check_releases,
    check_secret_values,
    program_config,
    read_secret_values,
    read_settings,
)
from slipway.stack.collector import freeze_long_lived
from slipway.stack.own_progress import read_own_progress
from slipway.stack.progress import ENV, OUTPUT, Handoff, apply_to_catalog, decode, dump

# What the imports built lives as long as the program: the collector need not scan it again.
freeze_long_lived()

stack_file = f"Pulumi.{pulumi.get_stack()}.yaml"
config = program_config()
settings = read_settings(config, stack_file)
environment = settings.to_environment()

# Everything is validated before the first resource is registered: a bad catalog, a missing
# secret or bad platform settings create nothing.
catalog = load_catalog(Path(settings.catalog), environment.name)
secret_values = read_secret_values(config, stack_file)
store = settings.secret_store_ref()
check_secret_values(catalog, secret_values, stack_file, store)
check_releases(catalog, settings.releases, stack_file)
# Release progress: recorded in the backend (this stack's `releases` output), handed over by the
# slipway tool; a bare `pulumi up` reads it itself (under test mocks there is no backend). The
# legacy config key, while present, is the newest word on the services it names.
handoff = decode(os.environ.get(ENV))
if handoff is None:
    legacy = dict(settings.releases)
    handoff = Handoff(recorded=legacy) if under_mocks() else read_own_progress(
        pulumi.get_stack(), Path.cwd(), legacy, pending=own_read)
progress = apply_to_catalog(catalog, handoff, gated_by=settings.delivery.after,
                            applying=not pulumi.runtime.is_dry_run(), stack=pulumi.get_stack(),
                            direct=settings.preview is not None)
for reconciled in progress.values():
    if reconciled.note:
        pulumi.log.info(reconciled.note)
releases = {name: reconciled.state for name, reconciled in progress.items()}
if settings.preview is None:
    # A major version a caller does not work with is refused (a review stack serves nobody).
    check_call_majors(catalog, handoff.recorded, releases)
hosts = public_hosts(catalog)
if settings.platform is not None:
    settings.platform.check(environment, hosts, secret_store=store, source=stack_file,
                            role_from_aws=settings.aws is not None)

role_arns: dict[str, pulumi.Output[str]] = {}
operator_role: pulumi.Output[str] | None = None
if settings.aws is not None:
    # prod: checks, then VPC + EKS + IAM + Secrets Manager; services deploy into that cluster.
    aws_platform = build_platform(settings.aws, catalog, environment, store, stack_file)
    provider = aws_platform.cluster.provider
    role_arns = aws_platform.role_arns
    operator_role = aws_platform.secrets_operator_role_arn
    pulumi.export("platform", platform_outputs(aws_platform))
else:
    kube = settings.kubernetes
    assert kube is not None  # the settings model requires kubernetes when aws is not set
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
    ServiceNamespaceArgs(name=environment.namespace, environment=environment.name,
                         extra_labels=settings.namespace_labels()),
    opts=pulumi.ResourceOptions(providers=[provider]),
)
platform = None if settings.platform is None else KubernetesPlatform(
    "platform",
    settings.platform.to_args(environment, hosts, role_arn=operator_role, secret_store=store,
                              source=stack_file),
    opts=pulumi.ResourceOptions(providers=[provider]),
)
services = deploy_catalog(
    catalog, environment, namespace.name, secret_values=secret_values, secret_store=store,
    role_arns=role_arns, releases=releases,
    opts=pulumi.ResourceOptions(providers=[provider],
                                depends_on=[platform] if platform is not None else []),
)
# Every resource is built and kept until the end; only the registrations' garbage is left.
freeze_long_lived()

pulumi.export("environment", environment.name)
pulumi.export("namespace", namespace.name)
pulumi.export("renderDir", settings.kubernetes.render_dir if settings.kubernetes else None)
if platform is not None:
    pulumi.export("platformSkippedCharts", platform.skipped_charts)
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
# Recorded once each service's main Deployment exists. A failed update can still record it
# (a canary Deployment or a route that failed), so the release tool undoes a failed step
# (tooling/releases.run_step).
pulumi.export(OUTPUT, pulumi.Output.all(
    *[service.deployment_name for service in services.values()]).apply(
        lambda _: dump(releases)))
