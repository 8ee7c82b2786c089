from tap_ghl.tap import TapGHL

TapGHL.cli()
