# One image for both roles: the control plane (`npm start`) and the host agent (`npx gantry-agent`).
FROM node:20-bookworm
ENV DEBIAN_FRONTEND=noninteractive NEXT_TELEMETRY_DISABLED=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config libseccomp-dev libcap-dev iproute2 iptables procps \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/gantry
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN node scripts/setup.mjs --build
EXPOSE 3000
CMD ["npm", "start"]
