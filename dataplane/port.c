/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port set-up, and the drivers' counters for /metrics. Flows must be symmetric per worker:
 * with RSS we program the symmetric Toeplitz key (0x6D5A repeated, Woo & Park, "Scalable
 * TCP Session Monitoring with Symmetric Receive-side Scaling") over IP addresses only, so
 * fragments stay with their flow; without RSS the input lcore dispatches in software
 * (dispatch.c). Ring sizes come from dataplane.ports[].rx_desc / tx_desc.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include "eal.h"
#include "port.h"

RTE_LOG_REGISTER_SUFFIX(port_logtype, port, INFO);
#define PORT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, port_logtype, "tollgate.port: " fmt "\n", ##__VA_ARGS__)

#define PORT_RX_DESC 1024
#define PORT_TX_DESC 1024
#define PORT_TX_BURST 32

/* The EAL device name of a config device string: the vdev name before any comma. */
static void
port_dev_name(const char *device, char *out, size_t len)
{
	size_t n = strcspn(device, ",");

	if (n >= len)
		n = len - 1;
	memcpy(out, device, n);
	out[n] = '\0';
}

static int
port_rss_ok(uint16_t pid, unsigned int nq)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(pid, &info) != 0)
		return 0;
	return nq > 1 && info.max_rx_queues >= nq && (info.flow_type_rss_offloads & RTE_ETH_RSS_IP);
}

static int
port_start(struct runtime *rt, uint16_t pid, const struct config_port *cp, unsigned int nq,
	   unsigned int ntxq, int rss, char *err, size_t errlen)
{
	const char *name = cp->name;
	uint16_t rxd = cp->rx_desc != 0 ? (uint16_t)cp->rx_desc : PORT_RX_DESC;
	uint16_t txd = cp->tx_desc != 0 ? (uint16_t)cp->tx_desc : PORT_TX_DESC;
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint8_t key[64];
	unsigned int q;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(pid, &info);
	if (rc != 0)
		goto fail;
	if (rss) {
		unsigned int i, klen = info.hash_key_size ? info.hash_key_size : 40;

		for (i = 0; i < klen && i < sizeof(key); i += 2) {
			key[i] = 0x6d;
			key[i + 1] = 0x5a;
		}
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = key;
		conf.rx_adv_conf.rss_conf.rss_key_len = RTE_MIN(klen, (unsigned int)sizeof(key));
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
	}
	/* af_packet opens a socket per queue pair at probe and the kernel fans packets out
	 * over all of them: every one must be read, whatever we would have configured. */
	if (!rss && strcmp(info.driver_name, "net_af_packet") == 0 && info.max_rx_queues > nq)
		nq = info.max_rx_queues;
	if (nq > WORKER_MAX_RXQ) {
		snprintf(err, errlen, "port %s: %u receive queues, at most %u supported", name, nq,
			 WORKER_MAX_RXQ);
		return -EINVAL;
	}
	rt->port_rxq[pid] = (uint16_t)nq;
	rt->port_txq[pid] = (uint16_t)ntxq;
	if (ntxq > info.max_tx_queues) {
		snprintf(err, errlen, "port %s: an inline port needs a transmit queue per worker "
			 "(%u) and the device has %u (af_packet: add qpairs=%u to its device string, "
			 "or run fewer workers)", name, ntxq, info.max_tx_queues, ntxq);
		return -EINVAL;
	}
	rc = rte_eth_dev_configure(pid, nq, ntxq, &conf);
	if (rc != 0)
		goto fail;
	/* The ring sizes the device takes: within its limits, multiples of its alignment. */
	if (rte_eth_dev_adjust_nb_rx_tx_desc(pid, &rxd, &txd) == 0 &&
	    ((cp->rx_desc != 0 && rxd != cp->rx_desc) || (cp->tx_desc != 0 && txd != cp->tx_desc)))
		PORT_LOG(INFO, "port %s: rx_desc %u, tx_desc %u (what the device accepts)", name,
			 rxd, txd);
	for (q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, rxd, rte_eth_dev_socket_id(pid), NULL,
					    rt->pkt_pool);
		if (rc != 0)
			goto fail;
	}
	for (q = 0; q < ntxq; q++) {
		rc = rte_eth_tx_queue_setup(pid, q, txd, rte_eth_dev_socket_id(pid), NULL);
		if (rc != 0)
			goto fail;
	}
	rc = rte_eth_dev_start(pid);
	if (rc != 0)
		goto fail;
	rte_eth_promiscuous_enable(pid);
	PORT_LOG(INFO, "port %s (%u): %s, %u rx queue%s, %u tx queue%s%s", name, pid,
		 info.driver_name, nq, nq > 1 ? "s" : "", ntxq, ntxq > 1 ? "s" : "",
		 rss ? ", symmetric RSS" : "");
	return 0;
fail:
	snprintf(err, errlen, "port %s: cannot start: %s", name, rte_strerror(-rc));
	return rc < 0 ? rc : -EIO;
}

/* Per worker, a transmit buffer (burst of 32) on inline port pid, its queue = worker index. */
static int
port_tx_buffers(struct runtime *rt, uint16_t pid, char *err, size_t errlen)
{
	unsigned int w;

	for (w = 0; w < rt->n_workers; w++) {
		struct worker *wk = rt->workers[w];
		struct rte_eth_dev_tx_buffer *b;

		b = rte_zmalloc_socket("txbuf", RTE_ETH_TX_BUFFER_SIZE(PORT_TX_BURST), 0,
				       (int)rte_lcore_to_socket_id(wk->lcore));
		if (b == NULL || rte_eth_tx_buffer_init(b, PORT_TX_BURST) != 0) {
			rte_free(b);
			snprintf(err, errlen, "port %u: no memory for transmit buffers", pid);
			return -ENOMEM;
		}
		rte_eth_tx_buffer_set_err_callback(b, rte_eth_tx_buffer_count_callback,
						   &wk->ctr.c[CTR_tx_dropped]);
		wk->txb[pid] = b;
	}
	return 0;
}

int
port_setup(struct runtime *rt, char *err, size_t errlen)
{
	const struct config_dataplane *dp = &rt->cfg.dp;
	uint16_t pids[CONFIG_MAX_PORTS];
	unsigned int i, nw = rt->n_workers, nq;
	int rss = nw > 1;

	for (i = 0; i < dp->nports; i++) {
		char dev[CONFIG_DEV_LEN];

		port_dev_name(dp->ports[i].device, dev, sizeof(dev));
		if (rte_eth_dev_get_port_by_name(dev, &pids[i]) != 0) {
			snprintf(err, errlen, "dataplane.ports[%u] (%s): device \"%s\" did not probe",
				 i, dp->ports[i].name, dp->ports[i].device);
			return -ENODEV;
		}
		if (!port_rss_ok(pids[i], nw))
			rss = 0;
	}
	rt->sw_dispatch = dp->nports > 0 && nw > 1 && !rss;
	nq = rss ? nw : 1;
	for (i = 0; i < RUNTIME_MAX_PORTS; i++)
		rt->port_peer[i] = RUNTIME_NO_PEER;
	for (i = 0; i < dp->nports; i++) {
		unsigned int j;

		if (pids[i] >= RUNTIME_MAX_PORTS) {
			snprintf(err, errlen, "dataplane.ports[%u] (%s): port id %u, at most %u "
				 "supported", i, dp->ports[i].name, pids[i], RUNTIME_MAX_PORTS - 1);
			return -ENOTSUP;
		}
		rt->port_ids[i] = pids[i];
		if (dp->ports[i].mode != CONFIG_PORT_INLINE)
			continue;
		for (j = 0; j < dp->nports; j++)
			if (strcmp(dp->ports[j].name, dp->ports[i].peer) == 0)
				rt->port_peer[pids[i]] = pids[j];
		rt->n_inline++;
	}
	for (i = 0; i < dp->nports; i++) {
		unsigned int w;
		int inl = dp->ports[i].mode == CONFIG_PORT_INLINE;
		int rc = port_start(rt, pids[i], &dp->ports[i], nq, inl ? nw : 1, rss, err, errlen);

		if (rc != 0)
			return rc;
		if (inl) {
			rc = port_tx_buffers(rt, pids[i], err, errlen);
			if (rc != 0)
				return rc;
		}
		if (rt->sw_dispatch)
			continue;
		for (w = 0; w < nw; w++) {
			struct worker *wk = rt->workers[w];
			unsigned int q;

			if (rss) {
				wk->rxq[wk->n_rxq].port = pids[i];
				wk->rxq[wk->n_rxq].queue = (uint16_t)w;
				wk->n_rxq++;
				continue;
			}
			/* One worker: it reads every queue of the port. */
			for (q = 0; w == 0 && q < rt->port_rxq[pids[i]] &&
			     wk->n_rxq < WORKER_MAX_RXQ; q++) {
				wk->rxq[wk->n_rxq].port = pids[i];
				wk->rxq[wk->n_rxq].queue = (uint16_t)q;
				wk->n_rxq++;
			}
		}
	}
	return 0;
}

void
port_counters_release(struct port_counters *pc)
{
	free(pc->xnames);
	free(pc->xvalues);
	pc->xnames = NULL;
	pc->xvalues = NULL;
	pc->n_xstats = 0;
}

/* The driver's extended statistics, names and values; left empty when they cannot be read. */
static void
port_xstats_read(uint16_t pid, struct port_counters *out)
{
	struct rte_eth_xstat *vals = NULL;
	int n = rte_eth_xstats_get_names(pid, NULL, 0), i, got;

	if (n <= 0)
		return;
	out->xnames = calloc((size_t)n, sizeof(*out->xnames));
	out->xvalues = calloc((size_t)n, sizeof(*out->xvalues));
	vals = calloc((size_t)n, sizeof(*vals));
	if (out->xnames == NULL || out->xvalues == NULL || vals == NULL ||
	    rte_eth_xstats_get_names(pid, out->xnames, (unsigned int)n) != n)
		goto fail;
	got = rte_eth_xstats_get(pid, vals, (unsigned int)n);
	if (got != n)
		goto fail;		/* the set changed under us: leave it out this time */
	for (i = 0; i < n; i++) {
		if (vals[i].id >= (uint64_t)n)
			goto fail;
		out->xvalues[vals[i].id] = vals[i].value;
	}
	out->n_xstats = (unsigned int)n;
	free(vals);
	return;
fail:
	free(vals);
	port_counters_release(out);
}

int
port_counters_read(uint16_t pid, struct port_counters *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rte_eth_stats_get(pid, &out->basic);
	if (rc != 0) {
		memset(&out->basic, 0, sizeof(out->basic));
		return rc < 0 ? rc : -EIO;
	}
	port_xstats_read(pid, out);
	return 0;
}

void
port_close_all(void)
{
	uint16_t pid;

	RTE_ETH_FOREACH_DEV(pid) {
		rte_eth_dev_stop(pid);
		rte_eth_dev_close(pid);
	}
}
