from unsup.cli import main

raise SystemExit(main())
