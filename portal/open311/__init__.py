"""The Open311 GeoReport v2 door (`/open311/v2/`): the 12345 platform, a WeChat mini-program or any app
files and follows tickets through a published standard, with an API key per partner."""
