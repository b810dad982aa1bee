-- MySQL dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: localhost    Database: lanternfall
-- ------------------------------------------------------
-- A small eFiction 3.5 archive written for Chapterhouse's tests: every
-- name, story and review in it is invented.

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;

--
-- Table structure for table `fanfiction_authors`
--

DROP TABLE IF EXISTS `fanfiction_authors`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `fanfiction_authors` (
  `uid` int(11) NOT NULL AUTO_INCREMENT,
  `penname` varchar(200) NOT NULL DEFAULT '',
  `realname` varchar(200) NOT NULL DEFAULT '',
  `email` varchar(200) NOT NULL DEFAULT '',
  `website` varchar(200) NOT NULL DEFAULT '',
  `bio` text DEFAULT NULL,
  `image` varchar(200) NOT NULL DEFAULT '',
  `date` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `admincreated` char(1) NOT NULL DEFAULT '0',
  `password` varchar(40) NOT NULL DEFAULT '0',
  PRIMARY KEY (`uid`),
  KEY `penname` (`penname`),
  KEY `admincreated` (`admincreated`)
) ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `fanfiction_authors`
--

LOCK TABLES `fanfiction_authors` WRITE;
/*!40000 ALTER TABLE `fanfiction_authors` DISABLE KEYS */;
INSERT INTO `fanfiction_authors` (`uid`, `penname`, `realname`, `email`, `website`, `bio`, `image`, `date`, `admincreated`, `password`) VALUES (1,'Quillon','','quillon@example.org','','Writes about lamps; semicolons; and -- dashes.','','2008-11-02 10:00:00','0','5f4dcc3b5aa765d61d8327deb882cf99'),(2,'Mara Ostrova','Mara O.','mara.ostrova@example.net','','',NULL,'2009-01-15 18:30:00','0','5f4dcc3b5aa765d61d8327deb882cf99'),(3,'Dée-Lune','','dee.lune@example.com','','Elle écrit « la nuit ».','','2009-02-01 08:00:00','0','5f4dcc3b5aa765d61d8327deb882cf99'),(4,'R.J. O\'Keefe','','rj.okeefe@example.org','','',NULL,'2009-03-10 12:00:00','1','0');
/*!40000 ALTER TABLE `fanfiction_authors` ENABLE KEYS */;
UNLOCK TABLES;

--
-- Table structure for table `fanfiction_authorprefs`
--

DROP TABLE IF EXISTS `fanfiction_authorprefs`;
CREATE TABLE `fanfiction_authorprefs` (
  `uid` int(11) NOT NULL DEFAULT 0,
  `newreviews` tinyint(1) NOT NULL DEFAULT 0,
  `newrespond` tinyint(1) NOT NULL DEFAULT 0,
  `ageconsent` tinyint(1) NOT NULL DEFAULT 0,
  `alertson` tinyint(1) NOT NULL DEFAULT 0,
  `tinyMCE` tinyint(1) NOT NULL DEFAULT 0,
  `sortby` tinyint(1) NOT NULL DEFAULT 0,
  `storyindex` tinyint(1) NOT NULL DEFAULT 0,
  `validated` tinyint(1) NOT NULL DEFAULT 0,
  `userskin` varchar(60) NOT NULL DEFAULT 'default',
  `level` tinyint(1) NOT NULL DEFAULT 0,
  `categories` varchar(200) NOT NULL DEFAULT '0',
  `contact` tinyint(1) NOT NULL DEFAULT 0,
  `stories` int(11) NOT NULL DEFAULT 0,
  PRIMARY KEY (`uid`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

LOCK TABLES `fanfiction_authorprefs` WRITE;
INSERT INTO `fanfiction_authorprefs` VALUES (1,1,0,1,0,1,0,0,1,'default',0,'0',1,2),(2,1,0,1,0,1,0,0,1,'default',0,'0',1,2),(3,0,0,1,0,0,0,0,1,'default',0,'0',0,1),(4,0,0,1,0,0,0,0,0,'default',0,'0',0,1);
UNLOCK TABLES;

--
-- Table structure for table `fanfiction_categories`
--

DROP TABLE IF EXISTS `fanfiction_categories`;
CREATE TABLE `fanfiction_categories` (
  `catid` int(11) NOT NULL AUTO_INCREMENT,
  `parentcatid` int(11) NOT NULL DEFAULT -1,
  `category` varchar(60) NOT NULL DEFAULT '',
  `description` text NOT NULL,
  `image` varchar(100) NOT NULL DEFAULT '',
  `locked` char(1) NOT NULL DEFAULT '0',
  `leveldown` tinyint(4) NOT NULL DEFAULT 0,
  `displayorder` int(11) NOT NULL DEFAULT 0,
  `numitems` int(11) NOT NULL DEFAULT 0,
  PRIMARY KEY (`catid`),
  KEY `byparent` (`parentcatid`,`displayorder`)
) ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb4;

LOCK TABLES `fanfiction_categories` WRITE;
INSERT INTO `fanfiction_categories` (`catid`, `parentcatid`, `category`, `description`, `image`, `locked`, `leveldown`, `displayorder`, `numitems`) VALUES
(1,-1,'Original Worlds','Worlds our writers made up.','','0',0,1,1),
(2,1,'The Glass Meridian','A city of mirrors.','','0',1,1,2),
(3,-1,'Harbourlight Chronicles','','','0',0,2,3);
UNLOCK TABLES;

# A comment in the style some dump tools write.
DROP TABLE IF EXISTS `fanfiction_characters`;
CREATE TABLE `fanfiction_characters` (
  `charid` int(11) NOT NULL AUTO_INCREMENT,
  `catid` int(11) NOT NULL DEFAULT 0,
  `charname` varchar(60) NOT NULL DEFAULT '',
  `bio` text NOT NULL,
  `image` varchar(200) NOT NULL DEFAULT '',
  PRIMARY KEY (`charid`),
  KEY `catid` (`catid`),
  KEY `charname` (`charname`)
) ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4;

LOCK TABLES `fanfiction_characters` WRITE;
INSERT INTO `fanfiction_characters` (`charid`, `catid`, `charname`, `bio`, `image`) VALUES (1,2,'Ilse Varga','',''),(2,2,'Tomas Brand','',''),(3,3,'Captain Oyelaran','',''),(4,3,'Nell','','');
UNLOCK TABLES;

DROP TABLE IF EXISTS `fanfiction_ratings`;
CREATE TABLE `fanfiction_ratings` (
  `rid` int(11) NOT NULL AUTO_INCREMENT,
  `rating` varchar(60) NOT NULL DEFAULT '',
  `ratingwarning` char(1) NOT NULL DEFAULT '0',
  `warningtext` text NOT NULL,
  PRIMARY KEY (`rid`),
  KEY `rating` (`rating`)
) ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb4;

LOCK TABLES `fanfiction_ratings` WRITE;
INSERT INTO `fanfiction_ratings` (`rid`, `rating`, `ratingwarning`, `warningtext`) VALUES (1,'General Audiences','0',''),(2,'PG-13','0',''),(3,'Explicit','1','For adults only; you must be 18 or older.');
UNLOCK TABLES;

DROP TABLE IF EXISTS `fanfiction_classtypes`;
CREATE TABLE `fanfiction_classtypes` (
  `classtype_id` int(11) NOT NULL AUTO_INCREMENT,
  `classtype_name` varchar(50) NOT NULL DEFAULT '',
  `classtype_title` varchar(50) NOT NULL DEFAULT '',
  PRIMARY KEY (`classtype_id`),
  UNIQUE KEY `classtype_name` (`classtype_name`)
) ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb4;

LOCK TABLES `fanfiction_classtypes` WRITE;
INSERT INTO `fanfiction_classtypes` VALUES (1,'genres','Genres'),(2,'warnings','Warnings'),(3,'pairings','Pairing Types');
UNLOCK TABLES;

DROP TABLE IF EXISTS `fanfiction_classes`;
CREATE TABLE `fanfiction_classes` (
  `class_id` int(11) NOT NULL AUTO_INCREMENT,
  `class_type` int(11) NOT NULL DEFAULT 0,
  `class_name` varchar(100) NOT NULL DEFAULT '',
  PRIMARY KEY (`class_id`),
  KEY `byname` (`class_type`,`class_name`,`class_id`)
) ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4;

LOCK TABLES `fanfiction_classes` WRITE;
INSERT INTO `fanfiction_classes` VALUES (1,1,'Romance');
INSERT INTO `fanfiction_classes` VALUES (2,1,'Angst');
INSERT INTO `fanfiction_classes` VALUES (3,2,'Major Character Death');
INSERT INTO `fanfiction_classes` VALUES (4,2,'Mild Peril');
INSERT INTO `fanfiction_classes` VALUES (5,1,'Hurt/Comfort');
INSERT INTO `fanfiction_classes` VALUES (6,3,'F/M');
UNLOCK TABLES;

--
-- Table structure for table `fanfiction_stories`
--

DROP TABLE IF EXISTS `fanfiction_stories`;
CREATE TABLE `fanfiction_stories` (
  `sid` int(11) NOT NULL AUTO_INCREMENT,
  `title` varchar(200) NOT NULL DEFAULT '',
  `summary` text DEFAULT NULL,
  `storynotes` text DEFAULT NULL,
  `catid` varchar(100) NOT NULL DEFAULT '0',
  `classes` varchar(200) DEFAULT NULL,
  `charid` varchar(250) NOT NULL DEFAULT '0',
  `rid` varchar(25) NOT NULL DEFAULT '0',
  `date` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `updated` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `uid` int(11) NOT NULL DEFAULT 0,
  `coauthors` varchar(200) DEFAULT NULL,
  `featured` char(1) NOT NULL DEFAULT '0',
  `validated` char(1) NOT NULL DEFAULT '0',
  `completed` char(1) NOT NULL DEFAULT '0',
  `rr` char(1) NOT NULL DEFAULT '0',
  `wordcount` int(11) NOT NULL DEFAULT 0,
  `rating` tinyint(4) NOT NULL DEFAULT 0,
  `reviews` smallint(6) NOT NULL DEFAULT 0,
  `count` int(11) NOT NULL DEFAULT 0,
  `challenges` varchar(200) NOT NULL DEFAULT '0',
  PRIMARY KEY (`sid`),
  KEY `title` (`title`),
  KEY `catid` (`catid`),
  KEY `uid` (`uid`),
  KEY `recent` (`updated`,`validated`)
) ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4;

LOCK TABLES `fanfiction_stories` WRITE;
/*!40000 ALTER TABLE `fanfiction_stories` DISABLE KEYS */;
INSERT INTO `fanfiction_stories` (`sid`, `title`, `summary`, `storynotes`, `catid`, `classes`, `charid`, `rid`, `date`, `updated`, `uid`, `coauthors`, `featured`, `validated`, `completed`, `rr`, `wordcount`, `rating`, `reviews`, `count`, `challenges`) VALUES
(1,'The Lamplighter\'s Daughter','Ilse inherits the <b>last lamp</b> in the Meridian.','For everyone who kept a light on.','2','1,5','1,2','1','2009-04-02 09:15:00','2009-06-20 21:40:00',1,'0','0','1','1','0',120,0,2,340,'0'),
(2,'Salt Year','A captain, a storm, and a year that does not end well.','','3','2,3,6','3,4','3','2009-07-11 14:00:00','2009-07-11 14:00:00',1,'1','0','1','1','0',45,0,1,120,'0'),
(3,'Under the Meridian','Tomas finds a door beneath the city — and a stranger\'s \"gift\".',NULL,'2','1,4','2','2','2010-01-05 20:00:00','2010-02-14 08:30:00',2,'0','0','1','0','0',90,0,2,200,'0'),
(4,'Draft of Tides','Not finished yet.','','3','','4','1','2010-03-01 10:00:00','2010-03-01 10:00:00',2,'0','0','0','0','0',12,0,0,0,'0'),
(5,'Glasswork','A glazier\'s apprentice learns to listen.','','1','','','1','2010-05-09 16:45:00','2010-05-09 16:45:00',3,'0','0','1','1','0',40,0,1,80,'0'),
(6,'Ferry at Dusk','Nell crosses the harbour one last time.','Thanks to D. for reading it first.','3','','4','1','2010-06-30 19:00:00','2010-07-02 07:00:00',4,'0','0','1','1','0',30,0,1,50,'0');
/*!40000 ALTER TABLE `fanfiction_stories` ENABLE KEYS */;
UNLOCK TABLES;

--
-- Table structure for table `fanfiction_chapters`
--

DROP TABLE IF EXISTS `fanfiction_chapters`;
CREATE TABLE `fanfiction_chapters` (
  `chapid` int(11) NOT NULL AUTO_INCREMENT,
  `title` varchar(250) NOT NULL DEFAULT '',
  `inorder` int(11) NOT NULL DEFAULT 0,
  `notes` text NOT NULL,
  `storytext` mediumtext DEFAULT NULL,
  `endnotes` text DEFAULT NULL,
  `validated` char(1) NOT NULL DEFAULT '0',
  `wordcount` int(11) NOT NULL DEFAULT 0,
  `rating` tinyint(4) NOT NULL DEFAULT 0,
  `reviews` smallint(6) NOT NULL DEFAULT 0,
  `sid` int(11) NOT NULL DEFAULT 0,
  `uid` int(11) NOT NULL DEFAULT 0,
  `count` int(11) NOT NULL DEFAULT 0,
  PRIMARY KEY (`chapid`),
  KEY `sid` (`sid`),
  KEY `inorder` (`inorder`)
) ENGINE=InnoDB AUTO_INCREMENT=10 DEFAULT CHARSET=utf8mb4;

LOCK TABLES `fanfiction_chapters` WRITE;
/*!40000 ALTER TABLE `fanfiction_chapters` DISABLE KEYS */;
INSERT INTO `fanfiction_chapters` (`chapid`, `title`, `inorder`, `notes`, `storytext`, `endnotes`, `validated`, `wordcount`, `rating`, `reviews`, `sid`, `uid`, `count`) VALUES
(2,'Wick',2,'','<p>The second night, the wick would not take.</p><p>She tried again; and again.</p>',NULL,'1',40,0,0,1,1,100),
(1,'Oil',1,'<p>Set before the first story in the cycle.</p>','<p>The lamp at the end of Varga Street had burned for ninety years.</p>\r\n<p>Ilse trimmed it every evening at six.</p>','<p>Thank you for reading!</p>','1',40,0,1,1,1,120),
(3,'Flame',3,'','<p>On the last night Tomas came to watch, and the flame held.</p>','<p>The end. Or the beginning.</p>','1',40,0,1,1,1,120),
(4,'Salt Year',1,'','<p>The storm came in the ninth month.</p><p>Captain Oyelaran did not come home.</p>','','1',45,0,1,2,1,120),
(5,'The Door',1,'','<p>Beneath the city, Tomas found a door marked \"Ünïcödé — 日本語 — ½\".</p><script>alert(\'stolen\')</script><p onclick=\"steal()\">He said, \'It\'s locked,\' and the path read C:\\Meridian\\Doors.</p>',NULL,'1',50,0,1,3,2,100),
(6,'The Stranger',2,'A short one.','<p>The stranger\'s gift was a key made of glass.</p>','','1',40,0,1,3,2,100),
(7,'Low Water',1,'','<p>Nell counted the boats twice.</p>','','0',12,0,0,4,2,0),
(8,'Listening',1,'','The glass hums when it is about to crack.\r\n\r\nMira listened, and stepped back.\nThe pane held.','','1',40,0,1,5,3,80),
(9,'Ferry at Dusk',1,'','<p>The ferry left at dusk, and Nell was on it.</p>','','1',30,0,1,6,4,50);
/*!40000 ALTER TABLE `fanfiction_chapters` ENABLE KEYS */;
UNLOCK TABLES;

DROP TABLE IF EXISTS `fanfiction_coauthors`;
CREATE TABLE `fanfiction_coauthors` (
  `sid` int(11) NOT NULL DEFAULT 0,
  `uid` int(11) NOT NULL DEFAULT 0,
  PRIMARY KEY (`sid`,`uid`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

LOCK TABLES `fanfiction_coauthors` WRITE;
INSERT INTO `fanfiction_coauthors` VALUES (2,4);
UNLOCK TABLES;

DROP TABLE IF EXISTS `fanfiction_series`;
CREATE TABLE `fanfiction_series` (
  `seriesid` int(11) NOT NULL AUTO_INCREMENT,
  `title` varchar(200) NOT NULL DEFAULT '',
  `summary` text DEFAULT NULL,
  `uid` int(11) NOT NULL DEFAULT 0,
  `isopen` tinyint(4) NOT NULL DEFAULT 0,
  `catid` varchar(200) NOT NULL DEFAULT '0',
  `classes` varchar(200) DEFAULT NULL,
  `rating` tinyint(4) NOT NULL DEFAULT 0,
  `warnings` varchar(250) NOT NULL DEFAULT '',
  `genres` varchar(250) NOT NULL DEFAULT '',
  `characters` varchar(250) NOT NULL DEFAULT '',
  `reviews` smallint(6) NOT NULL DEFAULT 0,
  `challenges` varchar(200) NOT NULL DEFAULT '',
  `numstories` int(11) NOT NULL DEFAULT 0,
  PRIMARY KEY (`seriesid`),
  KEY `owner` (`uid`,`title`)
) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb4;

LOCK TABLES `fanfiction_series` WRITE;
INSERT INTO `fanfiction_series` VALUES (1,'Lamplight Cycle','Stories of the lamps and the sea.',1,0,'2,3','',0,'','','',0,'',2),(2,'Glass and Water','Two short pieces, two writers.',3,1,'1,3','',0,'','','',1,'',2);
UNLOCK TABLES;

DROP TABLE IF EXISTS `fanfiction_inseries`;
CREATE TABLE `fanfiction_inseries` (
  `seriesid` int(11) NOT NULL DEFAULT 0,
  `sid` int(11) NOT NULL DEFAULT 0,
  `subseriesid` int(11) NOT NULL DEFAULT 0,
  `confirmed` int(11) NOT NULL DEFAULT 0,
  `inorder` int(11) NOT NULL DEFAULT 0,
  PRIMARY KEY (`sid`,`seriesid`,`subseriesid`),
  KEY `seriesid` (`seriesid`,`inorder`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

LOCK TABLES `fanfiction_inseries` WRITE;
INSERT INTO `fanfiction_inseries` VALUES (1,2,0,1,2),(1,1,0,1,1),(2,6,0,1,2),(2,5,0,1,1);
UNLOCK TABLES;

DROP TABLE IF EXISTS `fanfiction_reviews`;
CREATE TABLE `fanfiction_reviews` (
  `reviewid` int(11) NOT NULL AUTO_INCREMENT,
  `item` int(11) NOT NULL DEFAULT 0,
  `chapid` int(11) NOT NULL DEFAULT 0,
  `reviewer` varchar(60) NOT NULL DEFAULT '0',
  `uid` int(11) NOT NULL DEFAULT 0,
  `review` text NOT NULL,
  `date` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `rating` int(11) NOT NULL DEFAULT 0,
  `respond` char(1) NOT NULL DEFAULT '0',
  `type` varchar(2) NOT NULL DEFAULT 'ST',
  PRIMARY KEY (`reviewid`),
  KEY `psid` (`chapid`),
  KEY `avgrating` (`type`,`item`,`rating`)
) ENGINE=InnoDB AUTO_INCREMENT=10 DEFAULT CHARSET=utf8mb4;

LOCK TABLES `fanfiction_reviews` WRITE;
/*!40000 ALTER TABLE `fanfiction_reviews` DISABLE KEYS */;
INSERT INTO `fanfiction_reviews` (`reviewid`, `item`, `chapid`, `reviewer`, `uid`, `review`, `date`, `rating`, `respond`, `type`) VALUES
(1,1,1,'Mara Ostrova',2,'What a lovely opening; I could smell the lamp oil.','2009-04-03 11:00:00',0,'0','ST'),
(2,1,3,'Wanderer',0,'I cried at the end!\r\nThank you.','2009-06-21 07:30:00',0,'0','ST'),
(3,2,4,'Dée-Lune',3,'Trop triste… mais très beau.','2009-07-12 22:10:00',0,'0','ST'),
(4,3,6,'',0,'Who is the stranger?','2010-02-15 13:00:00',0,'0','ST'),
(5,5,8,'Quillon',1,'The last line rings like glass.','2010-05-10 09:00:00',0,'1','ST'),
(6,6,9,'Ferry Fan',0,'Beautiful and sad.','2010-07-03 18:00:00',0,'0','ST'),
(7,3,5,'R.J. O\'Keefe',4,'<i>That door!</i><script>alert(1)</script>','2010-01-06 10:00:00',0,'0','ST'),
(8,1,0,'Mara Ostrova',2,'A review of the whole series.','2010-08-01 10:00:00',0,'0','SE'),
(9,6,9,'Quillon',1,'','2010-07-04 10:00:00',5,'0','ST');
/*!40000 ALTER TABLE `fanfiction_reviews` ENABLE KEYS */;
UNLOCK TABLES;

DROP TABLE IF EXISTS `fanfiction_settings`;
CREATE TABLE `fanfiction_settings` (
  `sitekey` varchar(50) NOT NULL DEFAULT '1',
  `sitename` varchar(200) NOT NULL DEFAULT 'Your Site',
  `slogan` varchar(200) NOT NULL DEFAULT 'It''s a cool site!',
  `url` varchar(200) NOT NULL DEFAULT 'http://www.yoursite.com',
  `store` varchar(5) NOT NULL DEFAULT 'files',
  PRIMARY KEY (`sitekey`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

LOCK TABLES `fanfiction_settings` WRITE;
INSERT INTO `fanfiction_settings` VALUES ('lanternfall','Lanternfall Archive','Stories by lamplight; since 2008.','https://lanternfall.example.org','mysql');
UNLOCK TABLES;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;

-- Dump completed on 2024-05-01 12:00:00
