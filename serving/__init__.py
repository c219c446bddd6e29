"""Serving wrappers: MLflow pyfunc and Seldon Core microservice."""
