//! DistLab web app.
