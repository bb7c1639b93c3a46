"""Docker tests run against a real engine. They skip only where no engine answers;
CI sets MOW_REQUIRE_DOCKER=1, which turns a missing engine or image into a failure."""

from __future__ import annotations

import os

import pytest

from docker_support import BASE_IMAGE, EXAMPLE_IMAGE, ROOT, WHEELHOUSE, ZOO, ZOO_IMAGE


def _unavailable(reason: str):
    if os.environ.get("MOW_REQUIRE_DOCKER") == "1":
        pytest.fail(f"MOW_REQUIRE_DOCKER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_engine():
    import docker

    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:
        _unavailable(f"no Docker engine answers ({type(exc).__name__}); start dockerd to run these tests")
    try:
        client.images.get(BASE_IMAGE)
    except docker.errors.ImageNotFound:
        _unavailable(f"base image {BASE_IMAGE} is missing; run `make base-image`")
    if not any(WHEELHOUSE.glob("mow_model_sdk-*.whl")):
        _unavailable(f"no SDK wheel in {WHEELHOUSE}; run `make wheelhouse`")
    yield client
    leftovers = client.containers.list(all=True, filters={"label": "mow=1"})
    assert not leftovers, f"containers left behind: {[c.name for c in leftovers]}"


def _build(image: str, folder):
    from mow_orchestrator.config import DockerSection
    from mow_orchestrator.containers.docker import build_image

    build_image(DockerSection(image=image, build=folder, wheelhouse=WHEELHOUSE, build_args={"BASE_IMAGE": BASE_IMAGE}))
    return image


@pytest.fixture(scope="session")
def example_image(docker_engine):
    return _build(EXAMPLE_IMAGE, ROOT / "examples" / "seattle_weather")


@pytest.fixture(scope="session")
def zoo_image(docker_engine):
    return _build(ZOO_IMAGE, ZOO)
