//! The chat-server binary: settings, telemetry, wiring, workers and graceful shutdown.
