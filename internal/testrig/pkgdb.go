package testrig

// PackageDBFiles are the files of a fixture image that carries package
// databases, as Debian and Alpine images do: a dpkg status file and an apk
// installed database, each beside the os-release file that names its
// distribution. SBOM tests put them in an image and look for
// PackageDBPurls in the document.
var PackageDBFiles = map[string]string{
	"etc/os-release": "ID=debian\nVERSION_ID=12\n",
	"var/lib/dpkg/status": "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9+deb12u10\n\n" +
		"Package: busybox-static\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:1.35.0-4+b3\n\n",
	"alpine/etc/os-release":       "ID=alpine\nVERSION_ID=3.21.0\n",
	"alpine/lib/apk/db/installed": "P:musl\nV:1.2.5-r8\nA:x86_64\nL:MIT\n\nP:zlib\nV:1.3.1-r2\nA:x86_64\nL:Zlib\n\n",
}

// PackageDBPurls are the starts of the package URLs of the packages in
// PackageDBFiles (their versions' escaping left to the SBOM writer), as an
// SBOM of an image holding them lists them.
var PackageDBPurls = []string{
	"pkg:deb/debian/libc6@2.36-9",
	"pkg:deb/debian/busybox-static@1",
	"pkg:apk/alpine/musl@1.2.5-r8?arch=x86_64",
	"pkg:apk/alpine/zlib@1.3.1-r2?arch=x86_64",
}
