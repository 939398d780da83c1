"""Catalog import and export (CSV and XLSX) for products, and through `engine.register` kits and
routines: files read and refused in `files`, cells in `widgets`, rows in the resources, runs and
reports in `engine`, long imports as jobs (`models`, `tasks`) shown in the admin (`admin`)."""
