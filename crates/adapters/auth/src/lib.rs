//! Security adapters: bcrypt password hashing and HS256 JWT access tokens with opaque refresh tokens.
