from agency_shards.run import main

raise SystemExit(main())
