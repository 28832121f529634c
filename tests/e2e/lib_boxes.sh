# Assembling the tuning-drift fixture boxes (tests/fixtures/boxes/README.md) for a test.
# Sourced after lib.sh.
BOXES="$FIXTURES/boxes"
SERVER_START=1763900025  # pid 812's start: btime 1763900000 + 2500 ticks / 100

# assemble_box NAME DEST PORT_A PORT_B: DEST/{proc,sys,root} with ports filled in and mtimes set.
assemble_box() {
  local name="$1" dest="$2" a b
  a=$(printf '%04X' "$3")
  b=$(printf '%04X' "$4")
  mkdir -p "$dest/root"
  cp -a "$BOXES/$name/proc" "$dest/proc"
  sed "s/@PORT_A@/$a/; s/@PORT_B@/$b/" "$dest/proc/net/tcp.in" > "$dest/proc/net/tcp"
  rm "$dest/proc/net/tcp.in"
  cp -a "$FIXTURES/sysfs/strix_halo" "$dest/sys"
  [[ ! -d "$BOXES/$name/sys" ]] || cp -a "$BOXES/$name/sys/." "$dest/sys/"
  cp -a "$BOXES/$name/etc" "$dest/root/etc"
  find "$dest/root" -exec touch -h -d "@$((SERVER_START - 86400))" {} +
  local path offset
  while read -r path offset; do
    [[ -z "$path" || "$path" == \#* ]] && continue
    touch -h -d "@$((SERVER_START + offset))" "$dest/root/$path"
  done < "$BOXES/$name/mtimes"
}

# box_config DEST PORT_A PORT_B [EXTRA TOML]: an llmon.toml for the box, tuning every second.
box_config() {
  cat <<TOML
[gpu]
backend = "sysfs"
sysfs_root = "$1/sys"
[host]
procfs_root = "$1/proc"
[tuning]
interval = "1s"
unit_dirs = ["$1/root/etc/systemd/system"]
root = "$1/root"
dbus_address = ""
[tuning.expect]
OLLAMA_KEEP_ALIVE = "30m"
[[ollama]]
name = "default"
url = "http://127.0.0.1:$2"
interval = "1s"
[[ollama]]
name = "second"
url = "http://127.0.0.1:$3"
interval = "1s"
unit = ""
${4:-}
TOML
}
