"""The deployment artefacts: image, Kubernetes manifests, custom-resource schemas, pipeline."""
