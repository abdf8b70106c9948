"""The embedding model: the bundled sentence-transformers model on ONNX Runtime (or torch), loaded lazily."""
